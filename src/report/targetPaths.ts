// The targets of a report by id: formats join findings to their target on its id, and name the
// target's own path only where a location must be a file (a finding with no source file).
import { targetIdOf, type TargetId, type TargetResult } from '../types.js';

export class TargetPaths {
  private readonly byId: Map<TargetId, TargetResult>;

  constructor(targets: readonly TargetResult[]) {
    this.byId = new Map(targets.map((target) => [targetIdOf(target), target]));
  }

  /** The file whose rendered lines a finding of this target points at, if it has one (not stdin). */
  renderedFile(id: TargetId): string | undefined {
    const path = this.byId.get(id)?.path ?? id;
    return path === '-' ? undefined : path;
  }
}
