// The rule k8s-host-namespace: its metadata, its checks, and the evaluator that runs them.
// Pure: plain data in, violations out. Nothing here knows where the data came from.
import {
  CHECK_IDS,
  RULE_ID,
  type CheckId,
  type JsonPath,
  type MalformedField,
  type ResourceRef,
  type RuleConfig,
  type RuleDescription,
  type Violation,
} from '../types.js';
import { RULE_CHECKS } from './checks/index.js';
import { findPodSpecs } from './findPodSpecs.js';
import { viewPodSpec } from './podSpec.js';

export const hostNamespaceRule = {
  id: RULE_ID,
  title: "Containers should not share the host's namespaces",
  description:
    "Pods that share the node's IPC, network or PID namespace, bind host ports, or run with a low UID break " +
    'process isolation and can read secrets or snoop on traffic of the node and other pods.',
  checks: RULE_CHECKS,
};

/** The rule and its checks as plain data, for reports that describe them (SARIF rules, help). */
export function describeRule(): RuleDescription {
  return {
    id: RULE_ID,
    title: hostNamespaceRule.title,
    description: hostNamespaceRule.description,
    checks: hostNamespaceRule.checks.map(({ id, title, rationale, remediation }) => ({ id, title, rationale, remediation })),
  };
}

export const DEFAULT_MIN_UID = 10000;

export function defaultRuleConfig(): RuleConfig {
  return {
    minUid: DEFAULT_MIN_UID,
    hostPortRanges: [],
    // Every check on: built from the ids so a new check is on by default.
    checks: Object.fromEntries(CHECK_IDS.map((id) => [id, true])) as Record<CheckId, boolean>,
  };
}

export interface ResourceViolation extends Violation {
  resource: ResourceRef;
  /** Path of the resource from the document root ([] unless it is a List item). */
  resourcePath: JsonPath;
}

/** A resource with at least one pod spec, and the checks that ran on it. */
export interface CheckedSite {
  resource: ResourceRef;
  resourcePath: JsonPath;
  checks: CheckId[];
}

export interface ManifestEvaluation {
  resources: number;
  podSpecs: number;
  checked: CheckedSite[];
  violations: ResourceViolation[];
  malformed: MalformedField[];
}

/** The ids of the checks a configuration turns on, worked out once per configuration. */
const enabledByConfig = new WeakMap<RuleConfig, CheckId[]>();
function enabledChecks(config: RuleConfig): CheckId[] {
  let ids = enabledByConfig.get(config);
  if (!ids) enabledByConfig.set(config, (ids = hostNamespaceRule.checks.filter((check) => config.checks[check.id]).map((check) => check.id)));
  return ids;
}

/** Evaluates one parsed document (a resource or a List of them). */
export function evaluateManifest(root: unknown, config: RuleConfig): ManifestEvaluation {
  const scan = findPodSpecs(root);
  const violations: ResourceViolation[] = [];
  const malformed: MalformedField[] = [...scan.malformed];
  const checks = enabledChecks(config);
  const checked = new Map<string, CheckedSite>();
  for (const site of scan.podSpecs) {
    const key = site.resourcePath.length === 0 ? '' : JSON.stringify(site.resourcePath);
    if (!checked.has(key)) checked.set(key, { resource: site.resource, resourcePath: site.resourcePath, checks });
    const pod = viewPodSpec(site.spec, site.path);
    malformed.push(...pod.malformed);
    for (const check of hostNamespaceRule.checks) {
      if (!config.checks[check.id]) continue;
      for (const violation of check.evaluate(pod, config)) violations.push({ ...violation, resource: site.resource, resourcePath: site.resourcePath });
    }
  }
  return { resources: scan.resources.length, podSpecs: scan.podSpecs.length, checked: [...checked.values()], violations, malformed };
}
