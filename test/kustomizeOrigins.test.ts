// The pure parts of the Kustomize support: origin mapping over in-memory files, patch walking,
// selectors, annotation stripping, the Helm relay's answers, build arguments and the locator.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { stripDocumentAnnotations } from '../src/manifests/stripAnnotations.js';
import { KustomizeNotFoundError, kustomizeStyle, locateKustomize } from '../src/process/toolLookup.js';
import { kustomizeBuildArgs, wrapperKustomization, type KustomizeRequest } from '../src/targets/kustomize/kustomizeBuild.js';
import { kustomizeErrorText } from '../src/targets/kustomize/kustomizeFailure.js';
import { chartDirOfTemplateArgs, realHelmArgs, versionAnswer } from '../src/targets/kustomize/helmRelay.js';
import { resolveKustomizeSource, type OriginMapping } from '../src/targets/kustomize/kustomizeOrigins.js';
import { parseOriginAnnotation, parseTransformationsAnnotation, parseYamlFile, type KustomizeOrigin } from '../src/targets/kustomize/originAnnotations.js';
import { matchesLabelSelector } from '../src/targets/kustomize/resourceSelectors.js';
import { withResults } from '../src/targets/kustomize/krmFunction.js';

const ROOT = '/build';

/** Resolves a finding against in-memory files; `files` are keyed by path relative to ROOT. */
function resolve(
  files: Record<string, string>,
  resource: string,
  findingPath: Array<string | number>,
  origin: KustomizeOrigin,
  transformations: KustomizeOrigin[] = [],
): OriginMapping | null {
  const load = (absolute: string) => {
    const relative = path.relative(ROOT, absolute);
    return relative in files ? parseYamlFile(absolute, relative, files[relative]!) : null;
  };
  return resolveKustomizeSource({ resource: parse(resource), path: findingPath, origin, transformations, root: ROOT, load });
}

const at = (mapping: OriginMapping | null) => ({
  source: mapping ? `${mapping.source.file}:${mapping.source.line}${mapping.source.exact ? '' : '~'}` : null,
  origin: mapping?.origin ? `${mapping.origin.file}:${mapping.origin.line}${mapping.origin.exact ? '' : '~'}` : null,
});

const patchIn = (kustomization: string) => [{ configuredIn: kustomization, configuredBy: { kind: 'PatchTransformer' } }];

const BASE_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      hostNetwork: false
      containers:
        - name: sidecar
          image: proxy:1
        - name: app
          image: app:1
          ports:
            - containerPort: 80
`;

const FINAL_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: prod-api
  labels: {tier: backend}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - image: proxy:1
        name: sidecar
      - image: app:1
        name: app
        ports:
        - containerPort: 80
          hostPort: 80
`;

describe('origin annotations', () => {
  test('parses an origin and the transformations list', () => {
    assert.deepEqual(parseOriginAnnotation('path: ../base/web.yaml\n'), {
      path: '../base/web.yaml',
      repo: undefined,
      ref: undefined,
      configuredIn: undefined,
    });
    const generated = parseOriginAnnotation('configuredIn: kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n');
    assert.equal(generated?.configuredBy?.kind, 'ConfigMapGenerator');
    const list = parseTransformationsAnnotation('- configuredIn: a/kustomization.yaml\n  configuredBy: {kind: PatchTransformer}\n- nonsense\n');
    assert.deepEqual(list.map((o) => o.configuredBy?.kind), ['PatchTransformer']);
    assert.equal(parseOriginAnnotation('{ not yaml'), null);
    assert.deepEqual(parseTransformationsAnnotation('just text'), []);
  });
});

describe('resolveKustomizeSource', () => {
  const files = {
    'base/api.yaml': BASE_DEPLOYMENT,
    'overlay/kustomization.yaml': 'resources: [../base]\npatches:\n  - path: ports.yaml\n  - path: labels.yaml\n',
    'overlay/ports.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: app
          ports:
            - containerPort: 80
              hostPort: 80
`,
    'overlay/labels.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {tier: backend}\n',
  };
  const origin = { path: 'base/api.yaml' };

  test('a strategic merge patch matches containers by name and ports by containerPort, not by position', () => {
    const mapping = resolve(files, FINAL_DEPLOYMENT, ['spec', 'template', 'spec', 'containers', 1, 'ports', 0, 'hostPort'], origin, patchIn('overlay/kustomization.yaml'));
    // The base has the port but no hostPort: the origin is the deepest line it does have.
    assert.deepEqual(at(mapping), { source: 'overlay/ports.yaml:12', origin: 'base/api.yaml:15~' });
    assert.equal(mapping?.source.column, 15);
  });

  test('a value no patch writes stays on the resource\'s own line; a differing value there is not exact', () => {
    const mapping = resolve(files, FINAL_DEPLOYMENT, ['spec', 'template', 'spec', 'containers', 1, 'image'], origin, patchIn('overlay/kustomization.yaml'));
    assert.deepEqual(at(mapping), { source: 'base/api.yaml:13', origin: null });
    // hostNetwork is false in the base and true in the result, and no patch writes it (a replacement did).
    const unexplained = resolve(files, FINAL_DEPLOYMENT, ['spec', 'template', 'spec', 'hostNetwork'], origin, patchIn('overlay/kustomization.yaml'));
    assert.deepEqual(at(unexplained), { source: 'base/api.yaml:8~', origin: null });
  });

  test('without the transformations annotation no patch is read', () => {
    const mapping = resolve(files, FINAL_DEPLOYMENT, ['spec', 'template', 'spec', 'containers', 1, 'ports', 0, 'hostPort'], origin);
    assert.deepEqual(at(mapping), { source: 'base/api.yaml:15~', origin: null });
  });

  test('JSON 6902: the value line, a key inside an added object, `-` appends, and the last writer wins', () => {
    const json = {
      'base/api.yaml': BASE_DEPLOYMENT,
      'kustomization.yaml': `patches:
  - target: {kind: Deployment, name: "ap.*"}
    patch: |-
      - op: replace
        path: /spec/template/spec/hostNetwork
        value: false
      - op: replace
        path: /spec/template/spec/hostNetwork
        value: true
      - op: add
        path: /spec/template/spec/containers/1/securityContext
        value:
          runAsUser: 0
      - op: add
        path: /spec/template/spec/containers/-
        value: {name: debug, image: busybox}
  - target: {kind: DaemonSet}
    patch: |-
      - op: replace
        path: /spec/template/spec/hostNetwork
        value: true
`,
    };
    const final = FINAL_DEPLOYMENT.replace('          hostPort: 80\n', '          hostPort: 80\n        securityContext:\n          runAsUser: 0\n') + '      - name: debug\n        image: busybox\n';
    const tf = patchIn('kustomization.yaml');
    assert.deepEqual(at(resolve(json, final, ['spec', 'template', 'spec', 'hostNetwork'], origin, tf)), {
      source: 'kustomization.yaml:9',
      origin: 'base/api.yaml:8',
    });
    assert.deepEqual(at(resolve(json, final, ['spec', 'template', 'spec', 'containers', 1, 'securityContext', 'runAsUser'], origin, tf)), {
      source: 'kustomization.yaml:13',
      origin: 'base/api.yaml:12~',
    });
    // The appended container has no runAsUser: the op that added the container is the place to set it.
    assert.deepEqual(at(resolve(json, final, ['spec', 'template', 'spec', 'containers', 2, 'securityContext', 'runAsUser'], origin, tf)), {
      source: 'kustomization.yaml:16~',
      origin: 'base/api.yaml:9~',
    });
  });

  test('selectors: a patch for another kind, name or label is not blamed', () => {
    const selected = (target: string) => ({
      'base/api.yaml': BASE_DEPLOYMENT,
      'kustomization.yaml': `patches:\n  - target: ${target}\n    patch: |-\n      - op: add\n        path: /spec/template/spec/hostNetwork\n        value: true\n`,
    });
    const pathTo = ['spec', 'template', 'spec', 'hostNetwork'];
    const tf = patchIn('kustomization.yaml');
    const blamed = (target: string) => at(resolve(selected(target), FINAL_DEPLOYMENT, pathTo, origin, tf)).source === 'kustomization.yaml:6';
    assert.equal(blamed('{kind: Deployment}'), true);
    assert.equal(blamed('{kind: DaemonSet}'), false);
    assert.equal(blamed('{name: api}'), true, 'the original name');
    assert.equal(blamed('{name: prod-api}'), true, 'the final name');
    assert.equal(blamed('{name: api-.*}'), false);
    assert.equal(blamed('{labelSelector: "tier=backend"}'), true);
    assert.equal(blamed('{labelSelector: "tier=frontend"}'), false);
    assert.equal(blamed('{group: apps, version: v1}'), true);
    assert.equal(blamed('{group: batch}'), false);
  });

  test('patchesStrategicMerge (file and inline) and patchesJson6902 are read too', () => {
    const legacy = {
      'base/api.yaml': BASE_DEPLOYMENT,
      'kustomization.yaml': `patchesStrategicMerge:
  - net.yaml
  - |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      template:
        spec:
          hostPID: true
patchesJson6902:
  - target: {group: apps, version: v1, kind: Deployment, name: api}
    path: ipc.yaml
`,
      'net.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n',
      'ipc.yaml': '- {op: add, path: /spec/template/spec/hostIPC, value: true}\n',
    };
    const final = FINAL_DEPLOYMENT.replace('      hostNetwork: true\n', '      hostNetwork: true\n      hostPID: true\n      hostIPC: true\n');
    const tf = [
      { configuredIn: 'kustomization.yaml', configuredBy: { kind: 'PatchStrategicMergeTransformer' } },
      { configuredIn: 'kustomization.yaml', configuredBy: { kind: 'PatchJson6902Transformer' } },
    ];
    const where = (key: string) => at(resolve(legacy, final, ['spec', 'template', 'spec', key], origin, tf)).source;
    assert.equal(where('hostNetwork'), 'net.yaml:7');
    assert.equal(where('hostPID'), 'kustomization.yaml:11');
    assert.equal(where('hostIPC'), 'ipc.yaml:1');
  });

  test('generated resources name the generator entry that configures them', () => {
    const generated = {
      'kustomization.yaml': 'configMapGenerator:\n  - name: settings\n    literals: [a=b]\n  - name: settings-extra\n    literals: [c=d]\n',
    };
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prod-settings-extra-7h2kt5g9b8\ndata: {c: d}\n';
    const mapping = resolve(generated, configMap, ['data', 'c'], { configuredIn: 'kustomization.yaml', configuredBy: { kind: 'ConfigMapGenerator' } });
    assert.deepEqual(at(mapping), { source: 'kustomization.yaml:4~', origin: null });
  });

  test('a resource file with several documents: the one of the same kind whose name the final name holds', () => {
    const multi = { 'all.yaml': `${BASE_DEPLOYMENT}---\n${BASE_DEPLOYMENT.replace('name: api', 'name: api-canary')}` };
    const canary = FINAL_DEPLOYMENT.replace('name: prod-api', 'name: prod-api-canary');
    assert.deepEqual(at(resolve(multi, canary, ['spec', 'template', 'spec', 'containers', 0, 'image'], { path: 'all.yaml' })).source, 'all.yaml:27');
  });

  test('an unreadable origin file gives no mapping (the caller falls back)', () => {
    assert.equal(resolve({}, FINAL_DEPLOYMENT, ['spec'], { path: 'gone.yaml' }), null);
  });
});

describe('label selectors', () => {
  test('equality, inequality, existence and set terms', () => {
    const labels = { app: 'web', tier: 'frontend' };
    assert.equal(matchesLabelSelector('app=web', labels), true);
    assert.equal(matchesLabelSelector('app==web,tier=frontend', labels), true);
    assert.equal(matchesLabelSelector('app!=web', labels), false);
    assert.equal(matchesLabelSelector('tier', labels), true);
    assert.equal(matchesLabelSelector('!tier', labels), false);
    assert.equal(matchesLabelSelector('tier in (frontend, backend)', labels), true);
    assert.equal(matchesLabelSelector('tier notin (frontend)', labels), false);
  });
});

describe('stripping the wrapper\'s annotations', () => {
  const keys = new Set(['config.kubernetes.io/origin', 'alpha.config.kubernetes.io/transformations']);

  test('only the named annotations go; the map goes when nothing is left in it', () => {
    const text = `---
apiVersion: v1
kind: Pod
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: k.yaml
        configuredBy:
          kind: PatchTransformer
    config.kubernetes.io/origin: |
      path: pod.yaml
  name: p
spec: {}
`;
    const stripped = stripDocumentAnnotations(text, keys);
    assert.equal(stripped.text, '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec: {}\n');
    assert.equal(stripped.taken['config.kubernetes.io/origin'], 'path: pod.yaml\n');
    assert.match(stripped.taken['alpha.config.kubernetes.io/transformations'] ?? '', /PatchTransformer/);

    const mixed = text.replace('    config.kubernetes.io/origin', '    team: web\n    config.kubernetes.io/origin');
    assert.equal(stripDocumentAnnotations(mixed, keys).text, '---\napiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    team: web\n  name: p\nspec: {}\n');
  });

  test('annotations last in the document, and documents without any, are handled', () => {
    const last = 'kind: Pod\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/origin: |\n      path: pod.yaml\n';
    assert.equal(stripDocumentAnnotations(last, keys).text, 'kind: Pod\nmetadata:\n  name: p\n');
    const plain = 'kind: Pod\nmetadata:\n  name: p\n';
    assert.deepEqual(stripDocumentAnnotations(plain, keys), { text: plain, taken: {} });
    assert.deepEqual(stripDocumentAnnotations('not: [valid\n', keys).taken, {});
  });
});

describe('the Helm relay', () => {
  test('Kustomize\'s version probe: -c is dropped, and Helm 4 is reported as 3.x with its real version', () => {
    assert.deepEqual(realHelmArgs(['version', '-c', '--short']), ['version', '--short']);
    assert.deepEqual(realHelmArgs(['template', 'rel', '/c', '-c']), ['template', 'rel', '/c', '-c']);
    assert.equal(versionAnswer('v3.17.2+gcc0bbbd\n'), 'v3.17.2+gcc0bbbd\n');
    const four = versionAnswer('v4.1.4+g05fa379\n');
    // Kustomize takes the first version-like string and wants major 3.
    assert.match(four, /^v3\.\d+\.\d+/);
    assert.match(four, /v4\.1\.4\+g05fa379/);
  });

  test('the chart folder is the absolute argument that holds a Chart.yaml', () => {
    const args = ['template', 'rel', '/charts/agent', '-f', '/scratch/values.yaml'];
    assert.equal(chartDirOfTemplateArgs(args, (dir) => dir === '/charts/agent'), '/charts/agent');
    assert.equal(chartDirOfTemplateArgs(['version'], () => true), null);
  });
});

describe('building', () => {
  const request: KustomizeRequest = {
    dir: 'overlays/prod',
    enableHelm: true,
    helmCommand: '/usr/bin/helm',
    loadRestrictor: 'LoadRestrictionsNone',
    enableAlphaPlugins: true,
    extraArgs: ['--env', 'A=1'],
  };

  test('every flag reaches kustomize build and kubectl kustomize; the relay replaces --helm-command', () => {
    assert.deepEqual(kustomizeBuildArgs('kustomize', '/w', request), [
      'build', '/w', '--enable-helm', '--helm-command', '/usr/bin/helm', '--load-restrictor', 'LoadRestrictionsNone', '--enable-alpha-plugins', '--env', 'A=1',
    ]);
    assert.deepEqual(kustomizeBuildArgs('kubectl', '/w', { ...request, enableHelm: false, enableAlphaPlugins: false, loadRestrictor: undefined, extraArgs: [] }, '/s/helm'), [
      'kustomize', '/w', '--helm-command', '/s/helm',
    ]);
  });

  test('the wrapper lists the overlay by relative path and asks for both annotations', () => {
    const wrapper = parse(wrapperKustomization('../../repo/overlays/prod')) as Record<string, unknown>;
    assert.deepEqual(wrapper.resources, ['../../repo/overlays/prod']);
    assert.deepEqual(wrapper.buildMetadata, ['originAnnotations', 'transformerAnnotations']);
  });

  test('a failure keeps Kustomize\'s message without the wrapper\'s layer', () => {
    const stderr =
      "error: accumulating resources: accumulation err='accumulating resources from '../../o': '/w/o' must resolve to a file': " +
      "recursed accumulation of path '/w/o': trouble configuring builtin PatchTransformer: missing.yaml: no such file or directory\n";
    assert.equal(kustomizeErrorText(stderr, '/w/o'), 'trouble configuring builtin PatchTransformer: missing.yaml: no such file or directory');
  });
});

describe('locateKustomize', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'locate-kustomize-test-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const executable = (file: string) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o755);
    return file;
  };
  const kustomizeDir = path.dirname(executable(path.join(root, 'a', 'kustomize')));
  const kubectlDir = path.dirname(executable(path.join(root, 'b', 'kubectl')));
  const emptyTools = path.join(root, 'no-tools');

  test('kustomize on PATH first, then kubectl; a flag naming kubectl is run as kubectl kustomize', () => {
    const both = locateKustomize({ env: { PATH: [kubectlDir, kustomizeDir].join(path.delimiter) }, toolsDir: emptyTools });
    assert.deepEqual(both, { path: path.join(kustomizeDir, 'kustomize'), source: 'path', style: 'kustomize' });
    const kubectlOnly = locateKustomize({ env: { PATH: kubectlDir }, toolsDir: emptyTools });
    assert.deepEqual(kubectlOnly, { path: path.join(kubectlDir, 'kubectl'), source: 'path', style: 'kubectl' });
    const flagged = locateKustomize({ flag: path.join(kubectlDir, 'kubectl'), env: { PATH: kustomizeDir }, toolsDir: emptyTools });
    assert.equal(flagged.style, 'kubectl');
    assert.equal(kustomizeStyle('/opt/kubectl-1.33'), 'kubectl');
    assert.equal(kustomizeStyle('/opt/kustomize_v5'), 'kustomize');
  });

  test('a broken --kustomize is an error, never replaced by kubectl; nothing at all says what to do', () => {
    assert.throws(() => locateKustomize({ flag: path.join(root, 'nope'), env: { PATH: kubectlDir }, toolsDir: emptyTools }), /--kustomize .*nope is not an executable file/);
    assert.throws(
      () => locateKustomize({ env: { PATH: path.join(root, 'empty') }, toolsDir: emptyTools }),
      (error: unknown) => error instanceof KustomizeNotFoundError && /Could not find Kustomize or kubectl/.test(error.message) && /npm run tools/.test(error.message),
    );
  });
});

describe('krm output', () => {
  test('results are appended as text, leaving every input byte in place', () => {
    const input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: Pod # a comment\n  metadata: {name: 'p'}\n";
    const output = withResults(input, [{ message: 'm', severity: 'error', tags: { check: 'host-pid' } }]);
    assert.ok(output.startsWith(input));
    assert.deepEqual((parse(output) as { results: unknown[] }).results, [{ message: 'm', severity: 'error', tags: { check: 'host-pid' } }]);
    assert.equal(withResults(input, []), input);
  });

  test('results already in the list are kept and ours follow them', () => {
    const input = 'kind: ResourceList\nitems: []\nresults:\n- message: earlier\n  severity: info\n';
    const output = parse(withResults(input, [{ message: 'ours', severity: 'error' }])) as { results: { message: string }[] };
    assert.deepEqual(output.results.map((r) => r.message), ['earlier', 'ours']);
  });
});
