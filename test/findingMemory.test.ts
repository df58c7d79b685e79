// A finding outlives its document: a long report holds thousands of them while the stream moves
// on. What a finding reports (its line text, names, messages) must be its own copy, never a view
// into the rendered document, or every finding keeps a whole document (and the read buffer it
// was cut from) in memory until the report is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { checkStream } from '../src/pipeline/checkStream.js';
import { manifestFileSource } from '../src/pipeline/sourceMapping.js';
import { ownCopy, withOwnStrings } from '../src/pipeline/ownStrings.js';
import { defaultRuleConfig } from '../src/rules/hostNamespaceRule.js';
import { targetId } from '../src/types.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** A pod with one finding, its name long enough to be cut out as a view, padded to about 200 KB. */
function bigDocument(i: number): string {
  const padding = Array.from({ length: 2000 }, (_, k) => `    key-${k}: "${'x'.repeat(80)}"`).join('\n');
  return `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a-rather-long-pod-name-${i}\n  annotations:\n${padding}\nspec:\n  hostNetwork: true\n  containers:\n    - name: a-rather-long-container-name\n      image: i\n      securityContext:\n        runAsUser: 20000\n`;
}

test('findings of a stream keep no rendered document alive', async () => {
  const documents = 100; // about 20 MB of text
  gc();
  const before = process.memoryUsage().heapUsed;
  const outcome = await checkStream(
    (function* () {
      for (let i = 0; i < documents; i++) yield bigDocument(i);
    })(),
    { target: targetId('t'), file: 'big.yaml', config: defaultRuleConfig(), sourceOf: manifestFileSource('big.yaml') },
  );
  gc();
  const kept = process.memoryUsage().heapUsed - before;
  assert.equal(outcome.findings.length, documents);
  assert.equal(outcome.findings[7]!.source?.text, '  hostNetwork: true');
  assert.equal(outcome.findings[7]!.resource.name, 'a-rather-long-pod-name-7');
  // Views would keep all 20 MB; copies are a few hundred bytes per finding.
  assert.ok(kept < 4 * 1024 * 1024, `the findings keep ${(kept / 1024 / 1024).toFixed(1)} MB alive`);
});

test('own copies are equal to the text, unpaired surrogates included, in nested objects and arrays', () => {
  const text = `${'a'.repeat(20)}\ud800${'b'.repeat(20)}`;
  assert.equal(ownCopy(text), text);
  assert.equal(ownCopy('short'), 'short');
  const value = { a: text, list: [text, 1, null, { b: text }], n: 3, none: null };
  assert.deepEqual(withOwnStrings(structuredClone(value)), value);
});
