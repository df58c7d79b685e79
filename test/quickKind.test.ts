// The quick kind look decides which documents are never opened, so a wrong answer would be a
// silent pass: it must name a kind only when the full parse agrees, and say null when unsure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { quickKind, quickType } from '../src/manifests/quickKind.js';
import { parseManifestFully } from '../src/manifests/parseManifest.js';
import { splitDocuments } from '../src/manifests/splitDocuments.js';
import { yamlFilesUnder } from './support/yamlFiles.js';
import { PROJECT_ROOT, sharedDir } from './support/tools.js';

test('quickKind reads a plain top-level kind, past comments, indented lines and the separator', () => {
  assert.equal(quickKind('---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  kind: Pod\n'), 'ConfigMap');
  assert.equal(quickKind('kind: Secret # trailing comment\n'), 'Secret');
  assert.equal(quickKind('kind:\tSecret\n'), 'Secret', 'a tab may separate a value from its key');
  assert.equal(quickKind('--- # a comment\nkind: Service'), 'Service');
  assert.equal(quickKind('apiVersion: v1\ndata:\n  kind: Pod\n'), null, 'an indented kind is not the top level');
});

test('quickKind says null whenever the top level could hide or change the kind', () => {
  const unsure: Record<string, string> = {
    'two kinds': 'kind: ConfigMap\nkind: Pod\n',
    'a quoted kind key': '"kind": ConfigMap\n',
    'a merge key': '<<: *base\nkind: ConfigMap\n',
    'a tab at column 0': 'kind: ConfigMap\n\tspec: {}\n',
    'a tab in another top-level line': 'metadata:\t{name: x}\nkind: ConfigMap\n',
    'a flow mapping': '{kind: Pod}\n',
    'a list document': '- kind: Pod\n',
    'a second document': 'kind: ConfigMap\n--- x\n',
    'a quoted kind value': 'kind: "ConfigMap"\n',
    'a kind on the next line': 'kind:\n  ConfigMap\n',
  };
  for (const [name, text] of Object.entries(unsure)) assert.equal(quickKind(text), null, name);
});

test('quickKind splits lines on LF only, as the full parser does, not on other line separators', () => {
  // Inside a quoted value U+2028 is text for every reader (the splitter has already turned CRLF
  // into LF); a regular expression's line anchors would break lines there, and see a top-level
  // `kind:` that is really part of a value.
  assert.equal(quickKind('kind: Deployment\nmetadata:\n  name: "a\u2028kind: ConfigMap"\n'), 'Deployment');
  // Outside quotes, go-yaml (and so kubectl) breaks the line at a lone CR, NEL, U+2028 or U+2029:
  // kubectl reads this one as a ConfigMap, so the quick look must not name a kind at all.
  assert.equal(quickKind('kind: Deployment\nmetadata:\n  name: a\rkind: ConfigMap\n'), null);
});

test('quickKind says null where a key after another line break could change the kind (kubectl reads a Pod)', () => {
  for (const lineBreak of ['\r', '\u0085', '\u2028', '\u2029']) {
    assert.equal(quickKind(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a} # x${lineBreak}kind: Pod\n`), null, JSON.stringify(lineBreak));
    assert.equal(quickKind(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a${lineBreak}kind: Pod\n`), null, JSON.stringify(lineBreak));
  }
});

test('quickKind says null for an indented document, whose column-0 lines may be inside a quoted string', () => {
  const indented = '  apiVersion: v1\n  kind: Pod\n  metadata:\n    annotations:\n      a: "x\nkind: ConfigMap\n      y"\n';
  assert.equal(quickKind(indented), null);
  assert.equal(quickKind(`---\n# Source: c/templates/pod.yaml\n\n${indented}`), null);
  assert.equal(quickKind('# a comment\n\tkind: ConfigMap\n'), null);
});

test('quickKind says null when the top level has items (kubectl applies each item as its own object)', () => {
  assert.equal(quickKind('apiVersion: v1\nkind: ConfigMap\nitems:\n- {apiVersion: v1, kind: Pod}\n'), null);
  assert.equal(quickKind('\ufeffkind: ConfigMap\n'), null, 'a byte-order mark is not a plain key');
});

test('quickType reads the apiVersion beside the kind', () => {
  assert.deepEqual(quickType('apiVersion: serving.knative.dev/v1 # Knative\nkind: Service\n'), { apiVersion: 'serving.knative.dev/v1', kind: 'Service' });
  assert.deepEqual(quickType('kind: Service\n'), { apiVersion: null, kind: 'Service' });
  assert.equal(quickType('apiVersion: v1\napiVersion: v2\nkind: Service\n'), null, 'a duplicate apiVersion');
  assert.equal(quickType('apiVersion: "v1"\nkind: Service\n'), null, 'a quoted apiVersion');
  assert.equal(quickType('apiVersion: *v\nkind: Service\n'), null, 'an alias');
});

test('quickKind leaves documents with a lone CR, NEL, U+2028 or U+2029 to the full parser', () => {
  // Kubernetes' YAML reader (go-yaml) ends a line at each of them, so a `kind:` after one may be
  // a top-level key (or part of a value): only the full parse, which reads them the same way, can say.
  for (const lineBreak of ['\r', '\u0085', '\u2028', '\u2029']) {
    assert.equal(quickKind(`kind: ConfigMap\nmetadata:\n  name: a${lineBreak}kind: Pod\n`), null);
    assert.equal(quickKind(`kind: ConfigMap\n# note${lineBreak}kind: Pod\n`), null);
  }
});

test('quickKind never names a kind the full parse disagrees with, on fixtures and conformance data', async (t) => {
  let named = 0;
  // Chart templates are Go templates, not YAML: only the charts' values and the like are read.
  const charts = yamlFilesUnder(path.join(PROJECT_ROOT, 'charts-fixtures')).filter((file) => !file.includes(`${path.sep}templates${path.sep}`));
  const files = [...yamlFilesUnder(path.join(PROJECT_ROOT, 'test/fixtures')), ...charts];
  const shared = sharedDir();
  if (shared) files.push(...yamlFilesUnder(path.join(shared, 'conformance')));
  else t.diagnostic('../shared is absent: only the project fixtures are read');
  for (const file of files) {
    for await (const raw of splitDocuments([readFileSync(file, 'utf8')])) {
      const kind = quickKind(raw.text);
      if (kind === null) continue;
      const full = parseManifestFully(raw);
      if (full.errors.length > 0) continue; // a broken document has no kind to agree with
      named++;
      assert.equal(full.manifests.length, 1, `${file}:${raw.startLine}`);
      const value = full.manifests[0]!.value as { apiVersion?: unknown; kind?: unknown };
      assert.equal(value.kind, kind, `${file}:${raw.startLine}`);
      const apiVersion = quickType(raw.text)?.apiVersion ?? null;
      if (apiVersion !== null) assert.equal(value.apiVersion, apiVersion, `${file}:${raw.startLine}`);
    }
  }
  assert.ok(named > 10, `only ${named} documents had a kind named`);
});

test('quickType agrees with the full parse on apiVersion too', async () => {
  const text = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\n';
  for await (const raw of splitDocuments([text])) {
    const full = parseManifestFully(raw).manifests[0]!.value as { apiVersion?: unknown; kind?: unknown };
    assert.deepEqual(quickType(raw.text), { apiVersion: full.apiVersion, kind: full.kind });
  }
});
