// Long synchronous work (mapping thousands of findings) gives the event loop a turn now and then,
// so SIGINT, SIGTERM and timers are handled at every moment, not after the work ends.
import { performance } from 'node:perf_hooks';

/** How long the tool may run without the event loop getting a turn. */
const SLICE_MS = 20;

let sliceStart = performance.now();

/** Yields to the event loop when the current slice is used up; otherwise costs next to nothing. */
export async function yieldIfBusy(): Promise<void> {
  if (performance.now() - sliceStart < SLICE_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  sliceStart = performance.now();
}
