import { checkStream, type StreamOutcome } from '../../src/pipeline/checkStream.js';
import { defaultRuleConfig } from '../../src/rules/hostNamespaceRule.js';
import { manifestFileSource } from '../../src/sources/manifestSource.js';
import type { RuleConfig } from '../../src/types.js';

/** Runs the whole manifest pipeline over YAML text as if it were the file `input.yaml`. */
export function checkYaml(text: string, overrides: Partial<RuleConfig> = {}): Promise<StreamOutcome> {
  const config = { ...defaultRuleConfig(), ...overrides };
  return checkStream([text], { target: 'input.yaml', file: 'input.yaml', config, sourceOf: manifestFileSource('input.yaml') });
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
