import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import {
  BUNDLED_TOOLSET,
  HelmNotFoundError,
  KubectlNotFoundError,
  ToolNotFoundError,
  locateHelm,
  locateKubectl,
} from '../src/process/toolLookup.js';
import { HELM3, HELM4, HELM_VERSIONS, KUBECTL_132, KUBECTL_133, TOOLS_DIR } from './support/tools.js';

const execFileAsync = promisify(execFile);

/** A scratch tree with one small executable per place locateHelm looks. */
interface Sandbox {
  root: string;
  flagHelm: string;
  envHelm: string;
  pathDir: string;
  pathHelm: string;
  toolsDir: string;
  toolsHelm: string;
}

function writeExecutable(file: string, mode = 0o755): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, mode);
  return file;
}

function makeSandbox(): Sandbox {
  const root = mkdtempSync(path.join(tmpdir(), 'helm-binary-test-'));
  const pathDir = path.join(root, 'on-path');
  const toolsDir = path.join(root, 'tools');
  return {
    root,
    flagHelm: writeExecutable(path.join(root, 'flag', 'helm')),
    envHelm: writeExecutable(path.join(root, 'env', 'helm')),
    pathDir,
    pathHelm: writeExecutable(path.join(pathDir, 'helm')),
    toolsDir,
    toolsHelm: writeExecutable(path.join(toolsDir, BUNDLED_TOOLSET, 'helm')),
  };
}

describe('locateHelm search order', () => {
  let box: Sandbox;
  before(() => {
    box = makeSandbox();
  });
  after(() => rmSync(box.root, { recursive: true, force: true }));

  test('the --helm flag wins over $HELM_BIN, PATH and .tools', () => {
    const found = locateHelm({
      flag: box.flagHelm,
      env: { HELM_BIN: box.envHelm, PATH: box.pathDir },
      toolsDir: box.toolsDir,
    });
    assert.deepEqual(found, { path: box.flagHelm, source: 'flag' });
  });

  test('$HELM_BIN wins over PATH and .tools', () => {
    const found = locateHelm({ env: { HELM_BIN: box.envHelm, PATH: box.pathDir }, toolsDir: box.toolsDir });
    assert.deepEqual(found, { path: box.envHelm, source: 'env' });
  });

  test('helm on PATH wins over .tools', () => {
    const emptyDir = path.join(box.root, 'empty');
    mkdirSync(emptyDir, { recursive: true });
    const found = locateHelm({
      env: { PATH: [emptyDir, box.pathDir].join(path.delimiter) },
      toolsDir: box.toolsDir,
    });
    assert.deepEqual(found, { path: box.pathHelm, source: 'path' });
  });

  test('.tools/helm-4.1.4/helm is the last resort', () => {
    const found = locateHelm({ env: {}, toolsDir: box.toolsDir });
    assert.deepEqual(found, { path: box.toolsHelm, source: 'tools' });
  });

  test('a relative $HELM_BIN is resolved against cwd', () => {
    assert.deepEqual(locateHelm({ env: { HELM_BIN: './env/helm' }, cwd: box.root, toolsDir: box.toolsDir }), {
      path: box.envHelm,
      source: 'env',
    });
    assert.deepEqual(locateHelm({ env: { HELM_BIN: 'env/helm' }, cwd: box.root, toolsDir: box.toolsDir }), {
      path: box.envHelm,
      source: 'env',
    });
  });

  test('a bare $HELM_BIN name is looked up on PATH, not in cwd', () => {
    const found = locateHelm({ env: { HELM_BIN: 'helm', PATH: box.pathDir }, cwd: path.join(box.root, 'env') });
    assert.deepEqual(found, { path: box.pathHelm, source: 'env' });
  });

  test('a relative --helm flag is resolved against cwd', () => {
    const found = locateHelm({ flag: './flag/helm', env: {}, cwd: box.root, toolsDir: box.toolsDir });
    assert.deepEqual(found, { path: box.flagHelm, source: 'flag' });
  });

  test('a $HELM_BIN that does not exist falls through to PATH', () => {
    const found = locateHelm({ env: { HELM_BIN: './nope/helm', PATH: box.pathDir }, cwd: box.root });
    assert.deepEqual(found, { path: box.pathHelm, source: 'path' });
  });

  test('a file on PATH without an execute bit is skipped', () => {
    const plainDir = path.join(box.root, 'not-executable');
    writeExecutable(path.join(plainDir, 'helm'), 0o644);
    const found = locateHelm({
      env: { PATH: [plainDir, box.pathDir].join(path.delimiter) },
      toolsDir: box.toolsDir,
    });
    assert.equal(found.path, box.pathHelm);
  });

  test('an injected isExecutable decides what counts as usable', () => {
    const seen: string[] = [];
    const found = locateHelm({
      env: { HELM_BIN: '/virtual/env/helm', PATH: '/virtual/bin' },
      toolsDir: '/virtual/tools',
      platform: 'linux',
      isExecutable: (file) => {
        seen.push(file);
        return file === `/virtual/tools/${BUNDLED_TOOLSET}/helm`;
      },
    });
    assert.deepEqual(found, { path: `/virtual/tools/${BUNDLED_TOOLSET}/helm`, source: 'tools' });
    assert.deepEqual(seen, ['/virtual/env/helm', '/virtual/bin/helm', `/virtual/tools/${BUNDLED_TOOLSET}/helm`]);
  });
});

describe('locateHelm errors', () => {
  const nothingExists = { isExecutable: () => false, toolsDir: '/virtual/tools', platform: 'linux' as const };

  test('names all four places tried and how to fix it', () => {
    assert.throws(
      () => locateHelm({ ...nothingExists, env: { PATH: '/virtual/bin' } }),
      (error: unknown) => {
        assert.ok(error instanceof HelmNotFoundError);
        assert.ok(error instanceof ToolNotFoundError);
        assert.equal(error.name, 'HelmNotFoundError');
        assert.equal(error.tried.length, 4);
        assert.equal(
          error.message,
          'Could not find Helm: no --helm flag was given, $HELM_BIN is not set, there is no helm on PATH, ' +
            `and /virtual/tools/${BUNDLED_TOOLSET}/helm is missing. ` +
            'Install Helm, pass --helm <path>, or run `npm run tools` in the hostns-check checkout to fetch the pinned binaries.',
        );
        return true;
      },
    );
  });

  test('mentions a $HELM_BIN that points nowhere', () => {
    assert.throws(
      () => locateHelm({ ...nothingExists, env: { HELM_BIN: './helm' } }),
      /\$HELM_BIN \(\.\/helm\) is not an executable file/,
    );
  });

  test('an explicit --helm that does not work is an error, not a silent fallback', () => {
    assert.throws(
      () => locateHelm({ flag: '/missing/helm', env: { HELM_BIN: '/virtual/helm' }, isExecutable: (f) => f === '/virtual/helm' }),
      (error: unknown) =>
        error instanceof HelmNotFoundError && /--helm \/missing\/helm is not an executable file/.test(error.message),
    );
  });

  test('locateKubectl uses the same order with kubectl names', () => {
    assert.throws(
      () => locateKubectl({ ...nothingExists, env: {} }),
      (error: unknown) =>
        error instanceof KubectlNotFoundError &&
        error.message.startsWith('Could not find kubectl: no --kubectl flag was given, $KUBECTL_BIN is not set,') &&
        error.message.includes(`/virtual/tools/${BUNDLED_TOOLSET}/kubectl is missing`),
    );
  });
});

describe('pinned binaries from .tools (npm run tools)', () => {
  test('the default tools dir from dist/src/render/ finds .tools/helm-4.1.4', () => {
    assert.deepEqual(locateHelm({ env: {} }), { path: HELM4, source: 'tools' });
    assert.deepEqual(locateKubectl({ env: {} }), { path: KUBECTL_133, source: 'tools' });
    assert.equal(path.dirname(path.dirname(HELM3)), TOOLS_DIR);
  });

  const expected = new Map([
    [HELM3, 'v3.17.2'],
    [HELM4, 'v4.1.4'],
    [KUBECTL_132, 'v1.32.3'],
    [KUBECTL_133, 'v1.33.9'],
  ]);

  for (const toolset of HELM_VERSIONS) {
    test(`${toolset.label}: helm and kubectl report their pinned versions`, async () => {
      const helm = await execFileAsync(toolset.helm, ['version', '--template', '{{.Version}}']);
      assert.equal(helm.stdout.trim(), expected.get(toolset.helm));

      const kubectl = await execFileAsync(toolset.kubectl, ['version', '--client', '--output=json']);
      assert.equal(JSON.parse(kubectl.stdout).clientVersion.gitVersion, expected.get(toolset.kubectl));
    });
  }
});
