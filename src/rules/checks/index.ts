// The rule's checks as one list, in the order of CHECK_IDS. The compiler refuses a check id with
// no check; loading refuses two checks with one id. Nothing else lists the checks.
import { CHECK_IDS, type CheckId } from '../../types.js';
import type { Check } from '../check.js';
import { hostIpc, hostNetwork, hostPid } from './hostNamespaces.js';
import { hostPort } from './hostPort.js';
import { runAsUser } from './runAsUser.js';

const IMPLEMENTED = [hostIpc, hostNetwork, hostPid, hostPort, runAsUser] as const;

/** `true` only when every CheckId has a check above; otherwise the type names the missing ids. */
type MissingChecks = Exclude<CheckId, (typeof IMPLEMENTED)[number]['id']>;
const everyIdHasACheck: [MissingChecks] extends [never] ? true : MissingChecks = true;
void everyIdHasACheck;

/** Orders checks as CHECK_IDS lists them; refuses an id with no check or with two. */
export function orderedChecks(checks: readonly Check[]): readonly Check[] {
  return CHECK_IDS.map((id) => {
    const found = checks.filter((check) => check.id === id);
    const check = found[0];
    if (found.length !== 1 || check === undefined) throw new Error(`check ${id}: ${found.length} implementations, expected 1`);
    return check;
  });
}

export const RULE_CHECKS: readonly Check[] = orderedChecks(IMPLEMENTED);
