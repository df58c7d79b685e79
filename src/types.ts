// Data shared by every stage: render -> manifests -> rules -> sources -> report -> cli.
// Formatters receive only these plain objects; nothing here knows about YAML nodes or Helm.

export const RULE_ID = 'k8s-host-namespace';

/**
 * The rule's checks, named once, in report order. Every other list of check ids (the CheckId type,
 * default configuration, validation messages, report and JUnit ordering, the rule's check list)
 * derives from this tuple, so adding a check starts here and the compiler finds the rest.
 */
export const CHECK_IDS = ['host-ipc', 'host-network', 'host-pid', 'host-port', 'run-as-user'] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export function isCheckId(name: string): name is CheckId {
  return (CHECK_IDS as readonly string[]).includes(name);
}

/** A JSON path into one manifest, e.g. ['spec', 'containers', 0, 'ports', 1, 'hostPort']. */
export type JsonPath = ReadonlyArray<string | number>;

/** 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

/**
 * What a report calls a target: its configured name in `run`, else its path as the user gave it.
 * Assigned once, by the target driver; findings, errors, warnings and checked resources carry it,
 * and formats group and join on it (never on a path or a label).
 */
export type TargetId = string & { readonly __targetId: unique symbol };

export function targetId(name: string): TargetId {
  return name as TargetId;
}

/** A target's id from its result: the one rule, used where the id is stamped and where it is joined on. */
export function targetIdOf(target: Pick<TargetResult, 'name' | 'path'>): TargetId {
  return targetId(target.name ?? target.path);
}

export interface ResourceRef {
  apiVersion: string | null;
  kind: string | null;
  namespace: string | null;
  name: string | null;
}

/** The file and line a person edits to change a finding. */
export interface SourceLocation {
  /** Relative to the working directory (or a chart path as Helm names it). */
  file: string;
  line: number;
  /**
   * True only when that line is shown to write the offending key: the key on that line, or a block
   * of values it emits. For Helm charts, only when a proof render agrees (see targets/helm/proof).
   */
  exact: boolean;
  /** 1-based column of the key on that line, when known. */
  column?: number;
  /** The line's text, for a code frame. */
  text?: string;
  /** Why the location is not exact, when it is not. */
  reason?: string;
}

/**
 * One of the user's values settings: a leaf key of a -f file (its file, line and key path), or one
 * --set* assignment (its flag and text; file and line null).
 */
export interface OverrideSetting {
  file: string | null;
  line: number | null;
  /** e.g. agent.hostNetwork; null for a whole file that could not be read key by key (a URL). */
  key: string | null;
  /** For a --set* assignment: the flag ('--set', '--set-string', ...) and the assignment as given. */
  flag?: string;
  text?: string;
}

/** A values setting behind an offending value (filled in by the Helm source mapping). */
export interface ValuesOrigin {
  key: string;
  file: string;
  line: number | null;
  layer: 'chart' | 'parent' | 'user';
  /** Set by the proof render: true when a render with this line changed showed the value comes from it. */
  exact?: boolean;
  /** Why the line is not proven, when it is not. */
  reason?: string;
}

export interface HostPortRange {
  min: number;
  max: number;
}

/** What the rule checks against: separate from the checks themselves. */
export interface RuleConfig {
  minUid: number;
  hostPortRanges: HostPortRange[];
  checks: Record<CheckId, boolean>;
  /** Configuration-file exemptions: the checks never see them; the pipeline applies them to findings. */
  exemptions?: Exemption[];
}

/** A configuration-file entry that suppresses findings in resources the user cannot edit (third-party charts). */
export interface Exemption {
  /** Each selector is null when not given; at least one is set. */
  kind: string | null;
  namespace: string | null;
  /** A glob: `*` any run of characters, `?` one character. */
  name: string | null;
  /** A chart name (the chart or any subchart) or the chart argument as given. */
  chart: string | null;
  checks: CheckId[];
  reason: string;
  /** YYYY-MM-DD: the first day the exemption no longer applies. */
  expires: string | null;
  /** Where the entry is written. */
  file: string;
  line: number;
}

export type SuppressionKind = 'annotation' | 'exemption' | 'inline';

/** Why a finding does not count: which suppression applies, its reason and where it is written. */
export interface Suppression {
  kind: SuppressionKind;
  reason: string;
  file: string | null;
  line: number | null;
  /** For an exemption with an end date: YYYY-MM-DD. */
  expires?: string;
}

/** What a check reports about one pod spec, before it is tied to a resource and a file. */
export interface Violation {
  check: CheckId;
  message: string;
  /** Path of the offending key, relative to the manifest root. */
  path: JsonPath;
  /** Where to point when the key is missing (the container's first line, say). */
  anchorPath?: JsonPath;
  container: string | null;
  value: unknown;
  notes: string[];
}

/** A pod spec that cannot be evaluated because a field has the wrong shape: an error, never a pass. */
export interface MalformedField {
  path: JsonPath;
  message: string;
}

export interface Finding {
  rule: typeof RULE_ID;
  check: CheckId;
  severity: 'error';
  message: string;
  resource: ResourceRef;
  container: string | null;
  /** Dotted path, e.g. spec.template.spec.containers[0].ports[1].hostPort */
  path: string;
  value: unknown;
  rendered: Position | null;
  source: SourceLocation | null;
  /** The resource's own file and line, when a patch or overlay wrote the offending value elsewhere. */
  origin?: SourceLocation | null;
  values: ValuesOrigin[];
  /** With user overrides: 'chart' when the chart's own values already produce it, 'overrides' when only the overrides do. */
  introducedBy?: 'chart' | 'overrides';
  /**
   * With introducedBy 'chart': the value the chart's own values give, when the overrides changed it
   * (the finding stays, with another value: runAsUser 0 in the chart, 1000 in the overrides).
   */
  chartValue?: unknown;
  /**
   * With introducedBy 'overrides': the user's settings without any one of which the finding goes
   * away (each checked by a render without it), in the order Helm applies them.
   */
  introducedByOverrides?: OverrideSetting[];
  /** With introducedBy 'overrides' and no introducedByOverrides: why the settings are not named. */
  introducedByOverridesReason?: string;
  suppressed: boolean;
  /** The suppression that applies, when suppressed. */
  suppression: Suppression | null;
  notes: string[];
  /** The target the finding came from. */
  target: TargetId;
  /** With --base or --baseline: whether the base had this finding too (see src/review/compare.ts). */
  baseline?: BaselineState;
}

/** A finding against a base: new in this change, or already there. */
export type BaselineState = 'new' | 'existing';

/** With --base or --baseline: what the comparison found (unsuppressed findings only). */
export interface Comparison {
  /** What was compared against: `main (1a2b3c4d5e6f)`, or a baseline file. */
  base: string;
  new: number;
  existing: number;
  fixed: number;
  /** Targets whose base could not be rendered or read: every finding of theirs counts as new. */
  unavailable: TargetId[];
}

/** A resource whose pod specs were checked, with the checks that ran: a passing JUnit case unless it has findings. */
export interface CheckedResource {
  target: TargetId;
  resource: ResourceRef;
  checks: CheckId[];
}

/** A check's documentation as plain data, for formats that describe their rules (SARIF). */
export interface CheckDescription {
  id: CheckId;
  title: string;
  rationale: string;
  remediation: string;
}

export interface RuleDescription {
  id: typeof RULE_ID;
  title: string;
  description: string;
  checks: CheckDescription[];
}

export type TargetType = 'manifests' | 'helm' | 'kustomize';

export interface TargetResult {
  type: TargetType;
  path: string;
  /** The target's name in the configuration (`run`); findings name it in `target`. */
  name?: string;
  ok: boolean;
  error: string | null;
}

/** Something that could not be read, parsed or rendered. Always makes the run exit 2. */
export interface ReportError {
  target: TargetId;
  file: string | null;
  line: number | null;
  message: string;
}

/** Something worth saying that does not change the verdict (a duplicate key, say). */
export interface ReportWarning {
  target: TargetId;
  file: string | null;
  line: number | null;
  message: string;
}

export interface Summary {
  resources: number;
  podSpecs: number;
  findings: number;
  suppressed: number;
  errors: number;
}

export interface Report {
  tool: { name: 'hostns-check'; version: string };
  targets: TargetResult[];
  findings: Finding[];
  errors: ReportError[];
  warnings: ReportWarning[];
  /** Every resource with a pod spec, with the checks that ran on it. */
  checked: CheckedResource[];
  summary: Summary;
  /** With --base or --baseline: the counts, and the base's findings this change removed. */
  comparison?: Comparison;
  fixed?: Finding[];
  /** With `run --shard I/N`: which share this is, and each target's position in the configuration, for `merge`. */
  shard?: ShardInfo;
}

export interface ShardInfo {
  index: number;
  count: number;
  /** positions[i] is targets[i]'s place among the configuration's targets. */
  positions: number[];
}

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;
