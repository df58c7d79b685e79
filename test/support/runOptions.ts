// Options for runTargets in tests that check Helm targets only: no Kustomize, warnings dropped.
import type { RunOptions } from '../../src/targets/runTargets.js';
import type { SharedChartTrees } from '../../src/targets/helm/chartTree.js';
import { defaultRuleConfig } from '../../src/rules/hostNamespaceRule.js';

export function helmRunOptions(cwd: string, helm: string, chartTrees: SharedChartTrees, concurrency = 1): RunOptions {
  return {
    concurrency,
    cwd,
    env: process.env,
    timeoutSeconds: 60,
    config: defaultRuleConfig(),
    helm: () => helm,
    kustomize: () => {
      throw new Error('no kustomize target here');
    },
    warn: () => undefined,
    chartTrees,
  };
}
