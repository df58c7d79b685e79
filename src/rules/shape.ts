// Shape tests shared by the pod-spec finder, the pod-spec view and the checks; a module of its own
// so the checks need not import the finder (which imports the checks to learn what they read).

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
