// Which processes are still running, read from /proc (Linux): tests use it to show that a stopped
// render leaves nothing behind.
import { readdirSync, readFileSync } from 'node:fs';

/** Process ids (other than this one) whose command line holds every marker. */
export function processesWith(...markers: string[]): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
    .filter((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return markers.every((marker) => command.includes(marker));
      } catch {
        return false; // gone while we looked
      }
    });
}
