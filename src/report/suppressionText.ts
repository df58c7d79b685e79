// How the reports for people name a suppression: its kind, where it is written and its reason.
import type { Suppression, SuppressionKind } from '../types.js';

export const SUPPRESSION_NAMES: Record<SuppressionKind, string> = {
  annotation: 'annotation',
  exemption: 'exemption',
  inline: 'inline comment',
};

/** `suppressed by inline comment at FILE:LINE: reason` (with `(until DATE)` for an exemption that ends). */
export function describeSuppression(suppression: Suppression): string {
  const where = suppression.file ? ` at ${suppression.file}${suppression.line ? `:${suppression.line}` : ''}` : '';
  const until = suppression.expires ? ` (until ${suppression.expires})` : '';
  return `suppressed by ${SUPPRESSION_NAMES[suppression.kind]}${where}${until}: ${suppression.reason}`;
}
