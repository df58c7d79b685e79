// A chart repository the tests serve themselves: the files of one folder over HTTP on 127.0.0.1
// (index.yaml and packaged charts), started and stopped by the test that needs it.
import { readFile } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface ServedFolder {
  url: string;
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1; `onRequest` hears every path asked for. Nothing outside `dir` is served. */
export async function serveFolder(dir: string, onRequest: (pathname: string) => void = () => undefined): Promise<ServedFolder> {
  const server = http.createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    onRequest(pathname);
    const file = path.join(dir, path.normalize(pathname));
    if (!file.startsWith(dir + path.sep)) {
      response.writeHead(404).end();
      return;
    }
    readFile(file, (error, body) => {
      if (error) response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      else response.writeHead(200, { 'content-type': file.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
