// The probes the user asked for, across helper sessions: attaches them, routes the helper's
// notifications to each probe's aggregate and the call log, pauses and resumes, re-attaches
// every probe after the helper restarts (counts carry over) and after its binary was rebuilt,
// and detaches. Ids here are the extension's own and stay stable; the helper's ids change with
// every attachment. No `vscode` import: unit-tested against a fake helper.

import * as path from 'node:path';
import { DEFAULT_CAPTURE_LIMITS, withCaptureLimits, type CaptureLimits } from './capture-spec';
import type { EntryCost } from './symbols-addon';
import { CallLog } from './call-log';
import { ProbeLensError } from './errors';
import { attachTogether, type HelperClient } from './helper-connection';
import { ProbeAggregate, type CallRow } from './probe-aggregate';
import { processesOf } from './processes';
import type {
  AttachParams,
  AttachResult,
  CapturedShape,
  EndedNotification,
  EventsNotification,
  ProbeStats,
  ProcessFilter,
  StatsNotification,
  ValueType,
} from './protocol';

export type ProbeState = 'attaching' | 'live' | 'paused' | 'ended' | 'error';

/** Where a probe shows in the editor: the function's signature line (1-based). */
export interface SourceAnchor {
  file: string;
  line: number;
}

export interface ProbeSpec {
  /** As the user sees it: `orders:price_order`, `libc:printf`, `kernel:vfs_read`. */
  target: string;
  functionName: string;
  /** Without `filter`: that is the probe's own (set when running a program, or a library call's program). */
  attach: AttachParams;
  /** What the capture spec reads (user functions); kernel targets learn it from the attach answer. */
  capture?: CapturedShape;
  source?: SourceAnchor;
  /** Arguments not captured and why, raw registers, inline sites. */
  notes: string[];
  /** What each hit costs, by the instruction the probe replaces (user functions). */
  entryCost?: EntryCost;
  /** A line probe: hits of a source line, with its variables; no returns. */
  line?: boolean;
  /** A library function probed for one program: counted only in that program's processes. */
  program?: string;
  /** Re-resolves the attach request after the binary was rebuilt (new offsets). */
  replan?: () => Promise<AttachParams>;
  /** Show Callers: each call's user stack is counted (in every attach from now on: resume, Run with Probes, a rebuild). */
  stacks?: boolean;
  /** Show Value Distribution: this captured number argument's values are counted (in every attach from now on, like `stacks`). */
  valuesOf?: string;
}

export interface ProbeEntry {
  readonly id: number;
  readonly spec: ProbeSpec;
  state: ProbeState;
  reason: string | undefined;
  filter: ProcessFilter | undefined;
  result: AttachResult | undefined;
  readonly aggregate: ProbeAggregate;
}

export interface HelperAccess {
  /** The running helper, started on first use. */
  client(): Promise<HelperClient>;
  /** The uid the helper works for (null: it could not tell, and refuses every probe). */
  requestingUid(): Promise<number | null>;
}

export type Listener<T> = (value: T) => void;

export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): { dispose(): void } => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
}

export interface RowsChange {
  added: CallRow[];
  updated: CallRow[];
}

/**
 * Calls a second (with their returns) each probe sends when no Calls panel shows them: enough
 * for the hover's recent calls, sampled evenly in the kernel; every count stays exact.
 */
export const HOVER_RECORDS_PER_SECOND = 50;

export class ProbeManager {
  private readonly entries = new Map<number, ProbeEntry>();
  /** Helper probe id (current session) → our entry. */
  private readonly byHelperId = new Map<number, ProbeEntry>();
  private readonly attaching = new Map<number, Promise<void>>();
  private nextId = 1;
  private seq = 0;
  readonly log = new CallLog();
  /** Probes added, removed, or changed state. */
  readonly onDidChangeProbes = new Emitter<void>();
  /** Counts or calls changed (many times a second: throttle what you draw). */
  readonly onDidChangeData = new Emitter<void>();
  readonly onRows = new Emitter<RowsChange>();
  private paused = false;
  /** Calls a second each probe sends while a Calls panel shows them; undefined: no panel. */
  private panelRate: number | undefined;

  /** Applied at every attach (probeLens.capture.*): a change takes effect when a probe next attaches. */
  captureLimits: CaptureLimits = DEFAULT_CAPTURE_LIMITS;

  constructor(
    private readonly helper: HelperAccess,
    private readonly now: () => number = Date.now,
    private readonly runningProcesses: (program: string) => number[] = processesOf,
  ) {}

  list(): ProbeEntry[] {
    return [...this.entries.values()];
  }

  get(id: number): ProbeEntry | undefined {
    return this.entries.get(id);
  }

  /** The probe of this target and filter, if one exists (probing twice reveals it instead). */
  find(spec: Pick<ProbeSpec, 'target'>): ProbeEntry | undefined {
    return this.list().find((entry) => entry.spec.target === spec.target);
  }

  /** Rows for the panel stop being recorded while paused; counters go on. */
  setRowsPaused(paused: boolean): void {
    this.paused = paused;
  }

  get rowsPaused(): boolean {
    return this.paused;
  }

  /** Attaches a new probe; the entry stays (in `error`, with the reason) when the helper refuses. */
  async add(spec: ProbeSpec, filter?: ProcessFilter): Promise<ProbeEntry> {
    const entry = this.newEntry(spec, filter);
    this.onDidChangeProbes.fire();
    await this.attach(entry);
    return entry;
  }

  /**
   * Attaches new probes, those of one binary in one request (one uprobe_multi link pair where the
   * kernel has them); each that fails stays in `error` with its reason.
   */
  async addMany(specs: readonly ProbeSpec[]): Promise<ProbeEntry[]> {
    const entries = specs.map((spec) => this.newEntry(spec, undefined));
    this.onDidChangeProbes.fire();
    await this.attachTogether(entries);
    return entries;
  }

  private newEntry(spec: ProbeSpec, filter: ProcessFilter | undefined): ProbeEntry {
    const id = this.nextId++;
    const entry: ProbeEntry = {
      id,
      spec,
      state: 'attaching',
      reason: undefined,
      filter,
      result: undefined,
      aggregate: new ProbeAggregate(id, spec.capture ?? { args: [] }, () => ++this.seq, this.now),
    };
    if (spec.valuesOf !== undefined) entry.aggregate.showValuesOf(spec.valuesOf);
    this.entries.set(entry.id, entry);
    return entry;
  }

  /**
   * One attach at a time per probe: a second one while the first is under way (a helper restart's
   * re-attach racing another) would leave two attachments, and every call counted twice.
   */
  private attach(entry: ProbeEntry): Promise<void> {
    const underWay = this.attaching.get(entry.id);
    if (underWay !== undefined) return underWay;
    const attempt = this.attachOnce(entry).finally(() => this.attaching.delete(entry.id));
    this.attaching.set(entry.id, attempt);
    return attempt;
  }

  /** attach() for many: those of one binary and process filter in one request; failures stay on their entries. */
  private async attachTogether(entries: readonly ProbeEntry[]): Promise<void> {
    const underWay = entries.flatMap((entry) => this.attaching.get(entry.id) ?? []);
    const fresh = entries.filter((entry) => !this.attaching.has(entry.id));
    const attempt = this.attachBatch(fresh).finally(() => fresh.forEach((entry) => this.attaching.delete(entry.id)));
    for (const entry of fresh) this.attaching.set(entry.id, attempt);
    await Promise.all([attempt, ...underWay.map((promise) => promise.catch(() => undefined))]);
  }

  private async attachBatch(entries: readonly ProbeEntry[]): Promise<void> {
    for (const entry of entries) entry.state = 'attaching';
    this.onDidChangeProbes.fire();
    const batches = new Map<string, { entry: ProbeEntry; params: AttachParams }[]>();
    let client: HelperClient;
    try {
      client = await this.helper.client();
      for (const entry of entries) {
        try {
          const params = await this.attachParams(entry);
          // A probe with stacks is attached alone: attachFunctions shares `stacks` among its functions.
          const key = params.binary === undefined || params.stacks === true ? `#${entry.id}` : JSON.stringify([params.binary, params.retprobe ?? true, params.filter ?? null]);
          batches.set(key, [...(batches.get(key) ?? []), { entry, params }]);
        } catch (error) {
          this.failed(entry, error);
        }
      }
      for (const batch of batches.values()) await this.attachFunctions(client, batch);
    } catch (error) {
      for (const entry of entries) if (entry.state === 'attaching') this.failed(entry, error);
    } finally {
      this.onDidChangeProbes.fire();
    }
  }

  private async attachFunctions(client: HelperClient, batch: { entry: ProbeEntry; params: AttachParams }[]): Promise<void> {
    const [first] = batch;
    if (first === undefined) return;
    if (batch.length === 1) {
      await client.attach(first.params).then((result) => this.attached(client, first.entry, result), (error: unknown) => this.failed(first.entry, error));
      return;
    }
    let answer: Awaited<ReturnType<typeof attachTogether>>;
    try {
      answer = await attachTogether(client, batch.map(({ params }) => params));
    } catch (error) {
      for (const { entry } of batch) this.failed(entry, error);
      return;
    }
    for (const [index, { entry }] of batch.entries()) {
      const outcome = answer.outcomes[index];
      if (outcome === undefined || 'failure' in outcome) this.failed(entry, new ProbeLensError('attach-failed', outcome?.failure ?? 'no answer'));
      else await this.attached(client, entry, outcome.result);
    }
  }

  private failed(entry: ProbeEntry, error: unknown): void {
    entry.state = 'error';
    entry.reason = error instanceof Error ? error.message : String(error);
  }

  /** The request for a probe now: its process filter, the record rate, the capture limits. */
  private async attachParams(entry: ProbeEntry): Promise<AttachParams> {
    const filter = entry.filter ?? (await this.processFilterFor(entry.spec));
    const { capture, ...attach } = entry.spec.attach;
    return {
      ...attach,
      maxRecordsPerSecond: this.recordRate(),
      ...(capture === undefined ? {} : { capture: withCaptureLimits(capture, this.captureLimits) }),
      ...(filter === undefined ? {} : { filter }),
      ...(entry.spec.stacks === true ? { stacks: true } : {}),
      ...(entry.spec.valuesOf === undefined ? {} : { valuesOf: entry.spec.valuesOf }),
    };
  }

  private async attached(client: HelperClient, entry: ProbeEntry, result: AttachResult): Promise<void> {
    if (!this.entries.has(entry.id)) {
      // Detached while attaching.
      await client.detach(result.probe).catch(() => undefined);
      return;
    }
    entry.result = result;
    if (result.capture !== undefined) entry.aggregate.setCapture(result.capture);
    this.byHelperId.set(result.probe, entry);
    entry.state = 'live';
    entry.reason = undefined;
  }

  private async attachOnce(entry: ProbeEntry): Promise<void> {
    entry.state = 'attaching';
    this.onDidChangeProbes.fire();
    try {
      const client = await this.helper.client();
      await this.attached(client, entry, await client.attach(await this.attachParams(entry)));
    } catch (error) {
      this.failed(entry, error);
      throw error;
    } finally {
      this.onDidChangeProbes.fire();
    }
  }

  /**
   * The processes a probe counts when no program was started for it, chosen at each attach (so
   * Resume after its process ended takes the newest one): a library call's program; and for a
   * user who is not root, whom the helper probes one process at a time, the newest process
   * running the binary. Root's other probes count every process.
   */
  private async processFilterFor(spec: ProbeSpec): Promise<ProcessFilter | undefined> {
    const uid = await this.helper.requestingUid();
    const isRoot = uid === 0;
    const program = spec.program ?? (isRoot ? undefined : spec.attach.binary);
    if (program === undefined) return undefined;
    const [pid] = this.runningProcesses(program);
    if (pid !== undefined) return { pid, descendants: isRoot && spec.program !== undefined };
    if (isRoot) return undefined;
    throw new ProbeLensError(
      'not-running',
      `${path.basename(program)} is not running. The helper works for uid ${String(uid)}, not root, so it probes one ` +
        'process of yours at a time: start the program with Run with Probes, or start it and Resume this probe.',
    );
  }

  /** For a program started for the probes (Run with Probes): it, and for root what it starts. */
  async commandFilter(pid: number): Promise<ProcessFilter> {
    return { pid, descendants: (await this.helper.requestingUid()) === 0, fromExec: true };
  }

  /** Detaches at the helper; the answer holds the attachment's final counts. */
  private async release(entry: ProbeEntry): Promise<void> {
    const helperId = entry.result?.probe;
    entry.result = undefined;
    if (helperId === undefined || this.byHelperId.get(helperId) !== entry) return;
    let final: ProbeStats | undefined;
    try {
      const client = await this.helper.client();
      final = await client.detach(helperId);
    } catch {
      // Already gone (ended, or the helper with it): the last stats seen are final.
    }
    this.byHelperId.delete(helperId);
    entry.aggregate.closeAttachment(final);
  }

  async detach(id: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    await this.release(entry);
    this.log.removeProbe(id);
    this.onDidChangeProbes.fire();
    this.onDidChangeData.fire();
  }

  /** Counts of these probes (all when none is named) start again from 0, their rows gone from the log. */
  resetCounts(ids: readonly number[] = [...this.entries.keys()]): void {
    for (const id of ids) {
      this.entries.get(id)?.aggregate.resetCounts();
      this.log.removeProbe(id);
    }
    this.onDidChangeData.fire();
  }

  /** Detaches these probes (all when none is named) in one request: they stop counting together. */
  async detachAll(ids: readonly number[] = [...this.entries.keys()]): Promise<void> {
    const entries = ids.flatMap((id) => this.entries.get(id) ?? []);
    for (const entry of entries) this.entries.delete(entry.id);
    await this.releaseMany(entries);
    for (const entry of entries) this.log.removeProbe(entry.id);
    this.onDidChangeProbes.fire();
    this.onDidChangeData.fire();
  }

  /** release() for many, in one request; each keeps its final counts. */
  private async releaseMany(entries: readonly ProbeEntry[]): Promise<void> {
    const attachedNow = entries.filter((entry) => entry.result !== undefined && this.byHelperId.get(entry.result.probe) === entry);
    if (attachedNow.length === 0) return;
    const helperIds = attachedNow.map((entry) => (entry.result as AttachResult).probe);
    let finals: (ProbeStats | undefined)[];
    try {
      finals = await (await this.helper.client()).detachMany(helperIds);
    } catch {
      // Gone with the helper, or one of them ended meanwhile: each then alone.
      finals = await Promise.all(helperIds.map(async (probe) => (await this.helper.client()).detach(probe).catch(() => undefined)));
    }
    attachedNow.forEach((entry, index) => {
      this.byHelperId.delete(helperIds[index] as number);
      entry.result = undefined;
      entry.aggregate.closeAttachment(finals[index]);
    });
  }

  async pause(id: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.state !== 'live') return;
    await this.release(entry);
    entry.state = 'paused';
    this.onDidChangeProbes.fire();
    this.onDidChangeData.fire();
  }

  async resume(id: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined || (entry.state !== 'paused' && entry.state !== 'ended' && entry.state !== 'error')) return;
    await this.attach(entry);
  }

  /**
   * Show Callers: the probe counts each call's user stack from now on. A live probe is attached
   * again at once (its counts carry over, as across a pause); any other takes it at its next
   * attach (Resume, Run with Probes). Only user-space functions have user stacks.
   */
  async countCallers(id: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    if (entry.spec.attach.binary === undefined) throw new ProbeLensError('usage', `${entry.spec.target} is a kernel probe: callers are counted for functions of a program or library`);
    if (entry.spec.line === true) throw new ProbeLensError('usage', `${entry.spec.target} probes a line: callers are counted for functions (Show Callers on the function it is in)`);
    if (entry.spec.stacks === true) return;
    entry.spec.stacks = true;
    await this.specChanged(entry);
  }

  /**
   * Show Value Distribution: the probe counts the values of its captured number argument `arg` in
   * the kernel from now on (one argument a probe: another replaces it). A live probe is attached
   * again at once, its counts carried over; any other takes it at its next attach.
   */
  async countValues(id: number, arg: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    const args = numberArguments(entry.spec);
    if (entry.spec.attach.binary === undefined) throw new ProbeLensError('usage', `${entry.spec.target} is a kernel probe: values are counted for functions of a program or library`);
    if (entry.spec.line === true) throw new ProbeLensError('usage', `${entry.spec.target} probes a line: values are counted for a function's arguments`);
    if (!args.some((captured) => captured.name === arg)) {
      throw new ProbeLensError('usage', `${entry.spec.functionName} has no number argument '${arg}' to count${args.length === 0 ? ' (it has none captured)' : ` (it has ${args.map((captured) => captured.name).join(', ')})`}`);
    }
    entry.aggregate.showValuesOf(arg);
    if (entry.spec.valuesOf === arg) return;
    entry.spec.valuesOf = arg;
    await this.specChanged(entry);
  }

  /** A live probe whose spec changed is attached again at once, its counts carried over. */
  private async specChanged(entry: ProbeEntry): Promise<void> {
    this.onDidChangeProbes.fire();
    if (entry.state !== 'live') return;
    await this.release(entry);
    await this.attach(entry);
  }

  /** Attach again with another process filter (Run with Probes: the program it just started), together. */
  async retarget(ids: readonly number[], filter: ProcessFilter | undefined): Promise<void> {
    const entries = ids.flatMap((id) => this.entries.get(id) ?? []);
    // An attach still under way would land with the old filter after this one: it goes first.
    await Promise.all(entries.flatMap((entry) => this.attaching.get(entry.id) ?? []).map((attempt) => attempt.catch(() => undefined)));
    await this.releaseMany(entries);
    for (const entry of entries) entry.filter = filter;
    await this.attachTogether(entries);
  }

  /**
   * Before the helper is restarted on purpose: each live probe detached, its exact final counts
   * kept, to be attached again by `sessionStarted` once the new helper runs.
   */
  async holdForRestart(reason: string): Promise<void> {
    for (const entry of this.entries.values()) {
      if (entry.state !== 'live') continue;
      await this.release(entry);
      entry.state = 'attaching';
      entry.reason = reason;
    }
    this.onDidChangeProbes.fire();
  }

  /** The helper went away: keep every count, and re-attach when `sessionStarted` comes. */
  sessionLost(reason: string): void {
    for (const entry of this.entries.values()) {
      if (entry.result !== undefined) entry.aggregate.closeAttachment(undefined);
      entry.result = undefined;
      if (entry.state === 'live' || entry.state === 'attaching') {
        entry.state = 'attaching';
        entry.reason = reason;
      }
    }
    this.byHelperId.clear();
    this.onDidChangeProbes.fire();
  }

  /** A (new) helper is running: re-attach what was live before it went away. */
  async sessionStarted(): Promise<void> {
    const waiting = this.list().filter((entry) => entry.state === 'attaching' && entry.result === undefined && entry.reason !== undefined);
    await this.attachTogether(waiting);
  }

  private recordRate(): number {
    return this.panelRate ?? HOVER_RECORDS_PER_SECOND;
  }

  /**
   * A Calls panel shows the calls (at `rate` a second per probe) or no longer does (undefined):
   * every live probe's records are asked for at that rate.
   */
  async setPanelRate(rate: number | undefined): Promise<void> {
    if (rate === this.panelRate) return;
    this.panelRate = rate;
    if (this.byHelperId.size === 0) return;
    const client = await this.helper.client();
    await Promise.all(
      [...this.byHelperId.keys()].map((probe) => client.subscribe({ probe, maxRecordsPerSecond: this.recordRate() }).catch(() => undefined)),
    );
  }

  handleEvents({ events }: EventsNotification): void {
    const nowMs = this.now();
    const added: CallRow[] = [];
    const updated: CallRow[] = [];
    for (const event of events) {
      const entry = this.byHelperId.get(event.probe);
      if (entry === undefined) continue;
      if (event.type === 'call') {
        const row = entry.aggregate.onCall(event);
        if (!this.paused && this.log.admit(nowMs)) {
          this.log.push(row);
          added.push(row);
        }
      } else {
        const { row, isNew } = entry.aggregate.onReturn(event);
        if (isNew) {
          if (!this.paused && this.log.admit(nowMs)) {
            this.log.push(row);
            added.push(row);
          }
        } else {
          updated.push(row);
        }
      }
    }
    if (added.length > 0 || updated.length > 0) this.onRows.fire({ added, updated });
    this.onDidChangeData.fire();
  }

  handleStats({ probes }: StatsNotification): void {
    const nowMs = this.now();
    for (const stats of probes) this.byHelperId.get(stats.probe)?.aggregate.onStats(stats, nowMs);
    this.onDidChangeData.fire();
  }

  handleEnded(notification: EndedNotification): void {
    const entry = this.byHelperId.get(notification.probe);
    if (entry === undefined) return;
    this.byHelperId.delete(notification.probe);
    // The helper keeps an ended probe's slot until it is detached; its stats came with the notification.
    void this.helper.client().then((client) => client.detach(notification.probe)).catch(() => undefined);
    entry.result = undefined;
    entry.aggregate.closeAttachment(notification.stats);
    if (notification.reason === 'binary-replaced' && entry.spec.replan !== undefined) {
      entry.state = 'attaching';
      entry.reason = `the binary was rebuilt: re-attaching (${notification.message})`;
      void this.reattachRebuilt(entry, entry.spec.replan);
    } else {
      entry.state = 'ended';
      entry.reason = notification.message;
    }
    this.onDidChangeProbes.fire();
    this.onDidChangeData.fire();
  }

  private async reattachRebuilt(entry: ProbeEntry, replan: () => Promise<AttachParams>): Promise<void> {
    try {
      const attach = await replan();
      Object.assign(entry.spec, { attach });
      await this.attach(entry);
    } catch (error) {
      entry.state = 'error';
      entry.reason = `the binary was rebuilt and could not be probed again: ${error instanceof Error ? error.message : String(error)}`;
      this.onDidChangeProbes.fire();
    }
  }

  /** Total live probes, for the status bar. */
  liveCount(): number {
    return this.list().filter((entry) => entry.state === 'live').length;
  }
}

/**
 * The captured arguments whose values the kernel can count: numbers, chars, bools and bare
 * pointers (their addresses), not strings nor what a pointer points to.
 */
export function numberArguments(spec: Pick<ProbeSpec, 'attach'>): { name: string; type: ValueType }[] {
  const capture = spec.attach.capture;
  if (capture === undefined || !('args' in capture)) return [];
  return capture.args.filter((arg) => arg.type !== 'string' && arg.deref === undefined).map(({ name, type }) => ({ name, type }));
}

/** The message to show for a failure while probing: ProbeLensErrors are already in plain words. */
export function describeFailure(error: unknown): string {
  if (error instanceof ProbeLensError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
