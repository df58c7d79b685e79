import { checkStream } from '../../src/pipeline/checkStream.js';
import type { StreamOutcome } from '../../src/pipeline/outcome.js';
import { defaultRuleConfig } from '../../src/rules/hostNamespaceRule.js';
import { manifestFileSource } from '../../src/pipeline/sourceMapping.js';
import { targetId, type RuleConfig } from '../../src/types.js';

/** Runs the whole manifest pipeline over YAML text as if it were the file `input.yaml`. */
export function checkYaml(text: string, overrides: Partial<RuleConfig> = {}): Promise<StreamOutcome> {
  const config = { ...defaultRuleConfig(), ...overrides };
  return checkStream([text], { target: targetId('input.yaml'), file: 'input.yaml', config, sourceOf: manifestFileSource('input.yaml') });
}

/** `check@line` for each finding, in report order, for compact assertions. */
export function summarize(outcome: StreamOutcome): string[] {
  return outcome.findings.map((f) => `${f.check}@${f.rendered?.line}`);
}

export const SAFE_CONTAINER = `
      - name: app
        image: app:1
        securityContext:
          runAsUser: 12000`;
