// The quick kind look decides which documents are never opened, so a wrong answer would be a
// silent pass: it must name a kind only when the full parse agrees, and say null when unsure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { quickKind } from '../src/manifests/quickKind.js';
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
      assert.equal((full.manifests[0]!.value as { kind?: unknown }).kind, kind, `${file}:${raw.startLine}`);
    }
  }
  assert.ok(named > 10, `only ${named} documents had a kind named`);
});
