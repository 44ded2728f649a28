// Names for the stacks the probes count, computed in the extension host only when a probe's
// counted stacks change, never per call record: the symbol addon is asked once per file for the
// offsets not named before (a file's names are kept until the file changes on disk), and each
// probe's named callers and stacks are kept until its counts move. A single call's stack (the
// Calls panel's selected row) is named through the same cache.

import { statSync } from 'node:fs';
import { nameFrames, nameStacks, type NamedFrame, type NamedStacks, type Symbolize } from './stacks';
import { Emitter, type ProbeManager } from './probe-manager';
import type { StackFrame } from './protocol';
import type { SymbolizedFrame } from './symbols-addon';

/** When a file was last changed (a rebuilt binary's offsets name other code), or undefined when it cannot be read. */
export type ModifiedTime = (file: string) => number | undefined;

function modifiedTime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * `symbolize` with a cache per (file, offset): only offsets not named before reach the addon,
 * and a file's names are forgotten when it changes on disk. Failures are not cached.
 */
export function cachingSymbolize(symbolize: Symbolize, mtimeOf: ModifiedTime = modifiedTime): Symbolize & { asked: number } {
  const files = new Map<string, { mtime: number | undefined; names: Map<number, SymbolizedFrame[]> }>();
  const cached = async (binary: string, offsets: number[]): Promise<SymbolizedFrame[][]> => {
    const mtime = mtimeOf(binary);
    let file = files.get(binary);
    if (file === undefined || file.mtime !== mtime) files.set(binary, (file = { mtime, names: new Map() }));
    const missing = [...new Set(offsets.filter((offset) => !file.names.has(offset)))];
    if (missing.length > 0) {
      cached.asked += missing.length;
      const named = await symbolize(binary, missing);
      missing.forEach((offset, index) => file.names.set(offset, named[index] ?? []));
    }
    return offsets.map((offset) => file.names.get(offset) ?? []);
  };
  cached.asked = 0;
  return cached;
}

/** Each probe's callers and most frequent stacks, named, as of its counted stacks' last change. */
export class ProbeStackNames {
  private readonly named = new Map<number, { version: number; stacks: NamedStacks }>();
  private readonly symbolize: Symbolize;
  private running: Promise<void> | undefined;
  private again = false;
  /** Some probe's named stacks changed. */
  readonly onDidChange = new Emitter<void>();

  constructor(
    private readonly probes: ProbeManager,
    symbolize: Symbolize,
    mtimeOf?: ModifiedTime,
  ) {
    this.symbolize = cachingSymbolize(symbolize, mtimeOf);
  }

  /** The probe's named stacks as last computed; undefined before any were counted. */
  get(probeId: number): NamedStacks | undefined {
    return this.named.get(probeId)?.stacks;
  }

  /** Names the stacks of every probe whose counted stacks changed since; one pass at a time. */
  refresh(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    let changed = false;
    const live = new Set<number>();
    for (const entry of this.probes.list()) {
      live.add(entry.id);
      const { stacksVersion: version } = entry.aggregate;
      if (this.named.get(entry.id)?.version === version) continue;
      const stacks = entry.aggregate.stacks();
      if (stacks === undefined) {
        changed = this.named.delete(entry.id) || changed;
        continue;
      }
      this.named.set(entry.id, { version, stacks: await nameStacks(stacks, this.symbolize) });
      changed = true;
    }
    for (const id of this.named.keys()) if (!live.has(id)) changed = this.named.delete(id) || changed;
    if (changed) this.onDidChange.fire();
  }

  /** One call's stack, named: the probed address first, then its callers' return addresses. */
  nameStack(frames: readonly StackFrame[]): Promise<NamedFrame[]> {
    return nameFrames(frames.map((frame, index) => ({ frame, isCaller: index > 0 })), this.symbolize);
  }
}
