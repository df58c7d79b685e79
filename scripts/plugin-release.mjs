// Builds the Helm plugin release: dist/release/hostns-check-VERSION.tgz, laid out as Helm's
// installers expect (one top folder named after the plugin, `hostns-check/`, holding plugin.yaml),
// with the prebuilt bundle inside and a plugin.yaml without install or update hooks (nothing to
// build: Node 20+ on PATH is all it needs), and, given a GPG key, its provenance file
// hostns-check-VERSION.tgz.prov, which Helm 4 verifies before installing.
//
// Helm 4 installs the top folder. Helm 3 installs a tarball only from an http(s) URL, and takes
// the whole archive as the plugin folder, reading plugin.yaml at its root: so the root holds a
// second plugin.yaml whose commands run hostns-check/bin/helm-plugin.js. Both name the same
// plugin and version.
//
//   npm run build && node scripts/plugin-release.mjs [--key KEY-ID] [--out DIR]
//
// The .prov file is what Helm's provenance package reads: an OpenPGP clear-signed message whose
// text is the plugin's metadata (YAML), a line `...`, then YAML `files:` mapping the tarball's
// file name to `sha256:<hex digest of the tarball>`. Helm checks the signature against the
// keyring (`--keyring`) and the digest against the tarball it was given. Signing uses the real
// `gpg` with the caller's GNUPGHOME. The archive is reproducible: sorted entries, fixed owner
// and times.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NAME = 'hostns-check';
/** What the plugin runs, relative to the package root: the entry points, the bundle and the Kustomize relay. */
const FILES = [
  'bin/helm-plugin.js',
  'bin/hostns-check.js',
  'bin/run.js',
  'bin/outputGuard.js',
  'bin/package.json',
  'dist/src/cli/bundle.cjs',
  'dist/src/cli/bundle.cache',
  'dist/src/targets/kustomize/helmRelayMain.js',
  'dist/src/targets/kustomize/helmRelay.js',
  'dist/src/process/packageFiles.js',
  'LICENSE',
  'README.md',
];
const EXECUTABLE = new Set(['bin/helm-plugin.js', 'bin/hostns-check.js']);

function option(name) {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

/** plugin.yaml without its hooks: the tarball is built already, and Helm 3 runs hooks with no Node check. */
export function releasePluginYaml(text) {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^hooks:/.test(line));
  if (start < 0) return text;
  let end = start + 1;
  while (end < lines.length && /^(\s|$)/.test(lines[end]) && lines[end] !== '') end++;
  return [...lines.slice(0, start), ...lines.slice(end)].join('\n').replace(/\n*$/, '\n');
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const version = pkg.version;
const outDir = path.resolve(option('--out') ?? path.join(ROOT, 'dist/release'));
const key = option('--key');

for (const file of FILES) {
  if (!existsSync(path.join(ROOT, file))) {
    console.error(`plugin-release: ${file} is missing; run \`npm run build\` first`);
    process.exit(1);
  }
}
const pluginYaml = releasePluginYaml(readFileSync(path.join(ROOT, 'plugin.yaml'), 'utf8'));
const pluginVersion = /^version:\s*(\S+)\s*$/m.exec(pluginYaml)?.[1];
if (pluginVersion !== version) {
  console.error(`plugin-release: plugin.yaml says ${pluginVersion}, package.json ${version}`);
  process.exit(1);
}

const staging = mkdtempSync(path.join(os.tmpdir(), 'hostns-plugin-release-'));
try {
  const top = path.join(staging, NAME);
  for (const file of FILES) {
    mkdirSync(path.dirname(path.join(top, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(top, file));
    chmodSync(path.join(top, file), EXECUTABLE.has(file) ? 0o755 : 0o644);
  }
  writeFileSync(path.join(top, 'plugin.yaml'), pluginYaml);
  writeFileSync(path.join(staging, 'plugin.yaml'), pluginYaml.replace(/\$HELM_PLUGIN_DIR(\/|\\\\)bin/g, (_, sep) => `$HELM_PLUGIN_DIR${sep}${NAME}${sep}bin`));
  // The package root the code walks up to (name and version), ES modules for the relay's files.
  writeFileSync(path.join(top, 'package.json'), JSON.stringify({ name: NAME, version, license: pkg.license, type: 'module', private: true }, null, 2) + '\n');

  mkdirSync(outDir, { recursive: true });
  const tarball = path.join(outDir, `${NAME}-${version}.tgz`);
  const entries = [NAME, ...[...FILES, 'plugin.yaml', 'package.json'].sort().map((file) => `${NAME}/${file}`)];
  const folders = [...new Set(entries.flatMap((entry) => entry.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))].filter((f) => f !== NAME);
  await tar.create(
    { gzip: { level: 9 }, file: tarball, cwd: staging, portable: true, noDirRecurse: true, mtime: new Date('2000-01-01T00:00:00Z') },
    ['plugin.yaml', ...[...new Set([NAME, ...folders, ...entries])].sort()],
  );
  console.log(`plugin-release: ${path.relative(process.cwd(), tarball) || tarball}`);

  if (key) {
    const digest = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    const metadata = ['name', 'version', 'usage'].map((field) => new RegExp(`^${field}:.*$`, 'm').exec(pluginYaml)?.[0]).filter(Boolean).join('\n');
    const message = `${metadata}\n\n...\nfiles:\n  ${path.basename(tarball)}: sha256:${digest}\n`;
    const messageFile = path.join(staging, 'message.yaml');
    writeFileSync(messageFile, message);
    try {
      execFileSync('gpg', ['--batch', '--yes', '--local-user', key, '--digest-algo', 'SHA512', '--clearsign', '--output', `${tarball}.prov`, messageFile], { stdio: ['ignore', 'inherit', 'inherit'] });
    } catch (error) {
      console.error(`plugin-release: gpg could not sign with ${key} (${error.status !== undefined ? `exit ${error.status}` : error.message}); see its message above`);
      process.exitCode = 1;
    }
    if (!process.exitCode) console.log(`plugin-release: ${path.relative(process.cwd(), `${tarball}.prov`) || `${tarball}.prov`} (signed by ${key})`);
  } else {
    console.log('plugin-release: no --key given: no provenance file (Helm 4 then needs --verify=false)');
  }
} finally {
  rmSync(staging, { recursive: true, force: true });
}
