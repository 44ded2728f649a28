// `probe-lens probe`: attach a probe to every target (uprobe + uretprobe for user functions;
// fentry/fexit or kprobe/kretprobe for kernel functions; tracepoints; syscalls), stream calls and returns,
// stop on --duration, Ctrl-C, the end of the command after `--`, or the end of every probe,
// then detach each probe — its answer is the final exact count — and print the summary last.

import { ProbeLensError } from '../core/errors';
import {
  attachedLine,
  eventLine,
  formatSummaryTable,
  LiveEventFormatter,
  summaryLine,
  type CommandOutcome,
  type ProbeDescription,
  type ProbeSummary,
} from '../core/format';
import { attachTogether, HelperError } from '../core/helper-connection';
import { noPrivilegeMessage, type HelperSession } from '../core/helper-process';
import { spawnHeldCommand, type HeldCommand } from '../core/held-command';
import { entryCostText } from '../core/annotation-text';
import { processMapsFile, processName } from '../core/processes';
import { PrometheusMetrics, ProbeTotals, serveMetrics, type ProbeLabels } from '../core/metrics';
import { pushOtlp } from '../core/otlp';
import { nameStacks } from '../core/stacks';
import { loadSymbolsAddon } from '../core/symbols-addon';
import {
  type AttachFunctionsResult,
  type AttachParams,
  type AttachResult,
  type CapturedShape,
  type Condition,
  type EndedNotification,
  type ProbeStats,
  type ProcessFilter,
} from '../core/protocol';
import { BinaryResolver } from '../core/target-resolution';
import { conditionArgument, describeCondition, parseTarget } from '../core/targets';
import {
  planFileFunctions,
  planLine,
  planMatchingFunctions,
  planSourceLine,
  planUserFunction,
  type ManyFunctionsPlan,
  type SourceLineContext,
  type UserProbePlan,
} from '../core/user-targets';
import { openHelperSession } from './helper-session';
import type { Output } from './output';

export interface ProbeOptions {
  targets: string[];
  pid: number | undefined;
  durationSeconds: number | undefined;
  /** Call lines a second per probe: undefined every one, 0 none (only the exact counters and the summary). */
  callsPerSecond: number | undefined;
  verbose: boolean;
  /** The program and arguments after `--`; empty when none. */
  command: string[];
  /** The binary FILE:LINE targets are in (else the command's program, else a workspace search). */
  binary?: string;
  /** FILE:LINE targets probe the line itself (with its variables), not the function holding it. */
  lines?: boolean;
  /** Only calls meeting it go further than being counted (user functions; evaluated in the kernel). */
  condition?: Condition;
  /** An argument whose values are counted exactly in the kernel (user functions). */
  valuesOf?: string;
  /** Count the calls' user stacks (user functions). */
  stacks?: boolean;
  /** Serve the probes' counters at http://ADDRESS/metrics (Prometheus) while they count. */
  metricsListen?: string;
  /** Push the probes' counters over OTLP/HTTP to this metrics endpoint while they count. */
  otlpEndpoint?: string;
}

/** A target ready to attach: what to ask the helper for, and how to show it until it answers. */
interface ResolvedTarget {
  text: string;
  functionName: string;
  attach: AttachParams;
  /** Kernel targets: the helper says what it captures, from BTF or tracefs. */
  capture: CapturedShape | undefined;
  /** For the user once attached: arguments not captured and why, inline sites, raw registers. */
  notes?: string[];
  /** The many-function target (`BINARY:GLOB`, `FILE.c:*`) it is one function of. */
  group?: { text: string; notes: string[] };
  /** Where the function is defined (or the line probed), when DWARF says. */
  source?: { file: string; line: number };
}

type StopReason = 'duration' | 'signal' | 'command-exited' | 'all-probes-ended' | 'output-closed';

/** Parses every target first, so a typo is reported before anything starts. */
async function resolveTargets(texts: readonly string[], options: ProbeOptions): Promise<ResolvedTarget[]> {
  const parsed = texts.map(parseTarget);
  const resolver = new BinaryResolver(process.cwd());
  const resolved: ResolvedTarget[] = [];
  const fromPlans = (plans: UserProbePlan[]): ResolvedTarget[] =>
    plans.map((plan) => ({
      text: plan.text,
      functionName: plan.functionName,
      attach: plan.attach,
      capture: plan.shape,
      notes: plan.entryCost === undefined ? plan.notes : [...plan.notes, entryCostText(plan.entryCost)],
      ...(plan.source === undefined ? {} : { source: plan.source }),
    }));
  for (const target of parsed) {
    switch (target.kind) {
      case 'user-function':
        resolved.push(...fromPlans(await planUserFunction(target.text, await resolver.resolve(target.binary), target.function)));
        break;
      case 'kernel-function':
        resolved.push({ text: target.text, functionName: target.function, attach: { kernelFunction: target.function }, capture: undefined });
        break;
      case 'syscall':
        resolved.push({ text: target.text, functionName: target.name, attach: { syscall: target.name }, capture: undefined });
        break;
      case 'tracepoint':
        resolved.push({ text: target.text, functionName: target.name, attach: { tracepoint: `${target.category}:${target.name}` }, capture: undefined });
        break;
      case 'source-line':
        resolved.push(...fromPlans(await (options.lines === true ? planLine : planSourceLine)(target.text, target.file, target.line, sourceContext(options))));
        break;
      case 'user-functions':
        resolved.push(...fromMany(target.text, await planMatchingFunctions(target.text, await resolver.resolve(target.binary), target.pattern)));
        break;
      case 'source-file':
        resolved.push(...fromMany(target.text, await planFileFunctions(target.text, target.file, sourceContext(options))));
        break;
    }
  }
  return resolved;
}

function sourceContext(options: ProbeOptions): SourceLineContext {
  return { command: options.command, cwd: process.cwd(), ...(options.binary === undefined ? {} : { binary: options.binary }) };
}

/** Each function of a many-function target; its notes are said once, for the whole target. */
function fromMany(text: string, many: ManyFunctionsPlan): ResolvedTarget[] {
  const group = { text, notes: many.notes };
  return many.plans.map((plan) => ({ text: plan.text, functionName: plan.functionName, attach: plan.attach, capture: plan.shape, group }));
}

/**
 * Requests: the user-space targets of one binary go in one probe/attachFunctions (one link pair
 * for all, where the kernel has uprobe_multi); any other target alone.
 */
function attachBatches(targets: readonly ResolvedTarget[]): ResolvedTarget[][] {
  const batches = new Map<string, ResolvedTarget[]>();
  targets.forEach((target, index) => {
    const key = target.attach.binary === undefined ? `#${index}` : `${target.attach.binary}\0${String(target.attach.retprobe ?? true)}`;
    batches.set(key, [...(batches.get(key) ?? []), target]);
  });
  return [...batches.values()];
}

/** Kernel targets are checked by the helper itself, which names what the kernel lacks. */
function requirePrivilege(session: HelperSession, targets: readonly ResolvedTarget[]): void {
  const { initializeResult } = session;
  if (!initializeResult.privileged) {
    throw new HelperError('no-privilege', noPrivilegeMessage(session.helperPath, session.privilegeProblem ?? 'unknown reason'));
  }
  if (!targets.some((target) => target.attach.binary !== undefined)) return;
  for (const kind of ['uprobe', 'uretprobe'] as const) {
    const capability = initializeResult.probeKinds[kind];
    if (!capability.available) {
      throw new HelperError('feature-unavailable', `${kind}s are not available here: ${capability.reason ?? 'the helper gave no reason'}`);
    }
  }
}

export async function runProbe(options: ProbeOptions, output: Output): Promise<void> {
  if (options.targets.length === 0) throw new ProbeLensError('usage', 'probe needs at least one TARGET, for example ./app:add or libc:printf');
  if (options.pid !== undefined && options.command.length > 0) {
    throw new ProbeLensError('usage', '--pid and "-- COMMAND" both choose the process to count: give one of them');
  }
  // Symbols, the helper and the held command each take tens of milliseconds: start them
  // together, so the first event comes sooner. A failure of one ends the others.
  // The helper first: it has the most to do (load BPF, measure the kernel) before it answers.
  const helperStarting = openHelperSession(options.verbose);
  const [targets, session, command] = await Promise.allSettled([
    resolveTargets(options.targets, options),
    helperStarting,
    options.command.length > 0 ? spawnHeldCommand(options.command, { output: output.json ? 'stdout-to-stderr' : 'inherit' }) : Promise.resolve(undefined),
  ]);
  try {
    if (targets.status === 'rejected') throw targets.reason;
    if (session.status === 'rejected') throw session.reason;
    if (command.status === 'rejected') throw command.reason;
    requirePrivilege(session.value, targets.value);
    requireWithinLimit(session.value, targets.value);
    if (options.condition !== undefined) applyCondition(options.condition, targets.value);
    if (options.valuesOf !== undefined) applyValuesOf(options.valuesOf, targets.value);
    if (options.stacks === true) applyStacks(targets.value);
    if (options.pid !== undefined) requireMapped(options.pid, targets.value);
    await traceUntilStopped(session.value, targets.value, options, output, command.value);
  } finally {
    if (command.status === 'fulfilled') await command.value?.terminate();
    if (session.status === 'fulfilled') await session.value.close();
  }
}

/** The user-space targets an option applies to: there must be some. */
function userTargets(targets: ResolvedTarget[], option: string): ResolvedTarget[] {
  const user = targets.filter((target) => target.attach.binary !== undefined);
  if (user.length === 0) throw new ProbeLensError('usage', `${option} is for user-space functions; no target is one`);
  return user;
}

/** The user-space targets an option about argument `arg` applies to: each must capture it. */
function targetsWithArgument(targets: ResolvedTarget[], arg: string, option: string, verb: string): ResolvedTarget[] {
  const user = userTargets(targets, option);
  for (const target of user) {
    const names = (target.capture?.args ?? []).map((captured) => captured.name);
    if (!names.includes(arg)) throw new ProbeLensError('usage', `${target.text} has no argument '${arg}' to ${verb}${names.length > 0 ? ` (it has ${names.join(', ')})` : ''}`);
  }
  return user;
}

/** `--if`: on every user-space target. */
function applyCondition(condition: Condition, targets: ResolvedTarget[]): void {
  const option = `--if '${describeCondition(condition)}'`;
  const arg = conditionArgument(condition);
  for (const target of arg === undefined ? userTargets(targets, option) : targetsWithArgument(targets, arg, option, 'compare')) {
    target.attach = { ...target.attach, condition };
    target.text = `${target.text} if ${describeCondition(condition)}`;
  }
}

/** `--values ARG`: on every user-space target. */
function applyValuesOf(arg: string, targets: ResolvedTarget[]): void {
  for (const target of targetsWithArgument(targets, arg, `--values ${arg}`, 'count the values of')) target.attach = { ...target.attach, valuesOf: arg };
}

/** `--stacks`: on every user-space target. */
function applyStacks(targets: ResolvedTarget[]): void {
  for (const target of userTargets(targets, '--stacks')) target.attach = { ...target.attach, stacks: true };
}

/** More functions than the helper holds probes is an error that names the biggest targets. */
function requireWithinLimit(session: HelperSession, targets: readonly ResolvedTarget[]): void {
  const { maxProbes } = session.initializeResult.limits;
  if (targets.length <= maxProbes) return;
  const perTarget = new Map<string, number>();
  for (const target of targets) perTarget.set(target.group?.text ?? target.text, (perTarget.get(target.group?.text ?? target.text) ?? 0) + 1);
  const biggest = [...perTarget].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([text, count]) => `${text}: ${count}`);
  throw new ProbeLensError('usage', `${targets.length} functions to probe (${biggest.join(', ')}), and the helper holds at most ${maxProbes} probes at once: narrow the pattern`);
}

/** A user-space target the --pid process does not have mapped would count nothing: say so instead. */
function requireMapped(pid: number, targets: readonly ResolvedTarget[]): void {
  for (const target of targets) {
    const binary = target.attach.binary;
    if (binary !== undefined && processMapsFile(pid, binary) === false) {
      throw new ProbeLensError('usage', `process ${pid} does not have ${binary} mapped (it is ${processName(pid)}): ${target.text} would count nothing there`);
    }
  }
}

/**
 * The processes counted. The helper binds the probes of a user who is not root to one process
 * of theirs, so for them the command's children are not followed.
 */
function processFilter(options: ProbeOptions, command: HeldCommand | undefined, requesterIsRoot: boolean): ProcessFilter | undefined {
  if (command !== undefined) return { pid: command.pid, descendants: requesterIsRoot, fromExec: true };
  if (options.pid !== undefined) return { pid: options.pid };
  return undefined;
}

async function traceUntilStopped(
  session: HelperSession,
  targets: readonly ResolvedTarget[],
  options: ProbeOptions,
  output: Output,
  command: HeldCommand | undefined,
): Promise<void> {
  const { client } = session;
  output.throttle(session);
  const descriptions = new Map<number, ProbeDescription>();
  const ended = new Map<number, EndedNotification>();
  const formatter = new LiveEventFormatter(descriptions);
  let headerPrinted = false;
  let allEnded: () => void = () => undefined;
  const allProbesEnded = new Promise<void>((resolve) => (allEnded = resolve));
  let everyProbeAttached = false;
  /** Without a command, the run ends when every probe has (its --pid process exited, …). */
  const endWhenEveryProbeEnded = (): void => {
    if (command === undefined && everyProbeAttached && [...descriptions.keys()].every((probe) => ended.has(probe))) allEnded();
  };

  const totals = options.metricsListen === undefined && options.otlpEndpoint === undefined ? undefined : new ProbeTotals();
  const metricsServer = totals === undefined || options.metricsListen === undefined ? undefined : await serveMetrics(new PrometheusMetrics(totals), options.metricsListen);
  if (metricsServer !== undefined) output.status(`Serving metrics at http://${options.metricsListen as string}/metrics`);
  const otlp = totals === undefined || options.otlpEndpoint === undefined ? undefined : pushOtlp(totals, options.otlpEndpoint);
  if (otlp !== undefined) output.status(`Pushing metrics over OTLP to ${options.otlpEndpoint as string}`);

  const subscriptions = [
    client.onStats(({ probes }) => {
      for (const stats of probes) totals?.update(stats.probe, stats);
    }),
    client.onEvents(({ events }) => {
      if (output.json) {
        output.jsonLines(events.map((event) => eventLine(event, descriptions.get(event.probe)?.capture)));
        return;
      }
      const lines = events.map((event) => `${formatter.line(event)}\n`).join('');
      if (!headerPrinted && lines !== '') {
        headerPrinted = true;
        output.data(`${formatter.header()}\n`);
      }
      output.data(lines);
    }),
    client.onEnded((notification) => {
      ended.set(notification.probe, notification);
      totals?.close(notification.probe, notification.stats);
      // With a command, its exit ends the run (the summary reports it), not its probes' end.
      if (command !== undefined && notification.reason === 'process-exited') return;
      const target = descriptions.get(notification.probe)?.target ?? `probe ${notification.probe}`;
      output.status(`${target}: probe ended (${notification.reason}): ${notification.message}`);
      endWhenEveryProbeEnded();
    }),
  ];

  /** Attached and not yet detached, in attach order. */
  const attached: ProbeDescription[] = [];
  try {
    const requesterIsRoot = session.initializeResult.requestingUser.uid === 0;
    const filter = processFilter(options, command, requesterIsRoot);
    if (command !== undefined && !requesterIsRoot) {
      output.status(`probing for uid ${String(session.initializeResult.requestingUser.uid)}, not root: only the command's own process is probed, not processes it starts`);
    }
    /** Said once the probes count: with a command, as each attaches (it is held); else after probe/start. */
    const announcements: (() => void)[] = [];
    const shared = { ...(filter === undefined ? {} : { filter }), ...(options.callsPerSecond === undefined ? {} : { maxRecordsPerSecond: options.callsPerSecond }), start: command !== undefined };
    const groupsSaid = new Set<ResolvedTarget['group']>();
    for (const batch of attachBatches(targets)) {
      const { attachedTargets, links } = await attachBatch(client, batch, shared, output);
      for (const [target, result] of attachedTargets) {
        const capture = result.capture ?? target.capture ?? { args: [] };
        const description = { probe: result.probe, target: target.text, functionName: result.symbol ?? target.functionName, capture, ...(target.group === undefined ? {} : { group: target.group.text }) };
        attached.push(description);
        descriptions.set(result.probe, description);
        totals?.add(result.probe, metricLabels(result, target, filter), target.attach.condition !== undefined);
        const announce = (): void => {
          if (output.json) output.jsonLines([attachedLine(target.text, result, target.notes)]);
          else if (target.group === undefined) announceProbe(output, target, result);
          else if (!groupsSaid.has(target.group)) {
            groupsSaid.add(target.group);
            announceGroup(output, target.group, attachedTargets.filter(([other]) => other.group === target.group).map(([, r]) => r), links);
          }
        };
        if (command === undefined) announcements.push(announce);
        else announce();
      }
    }

    // Without a held command, probes count from one moment on, all together (not each from its
    // attach); "attached" is said once they do.
    if (command === undefined) await client.start(attached.map(({ probe }) => probe));
    for (const announce of announcements) announce();
    everyProbeAttached = true;
    endWhenEveryProbeEnded();
    command?.release();
    const tracing = options.durationSeconds === undefined ? 'Tracing… Ctrl-C to end.' : `Tracing for ${options.durationSeconds} s… Ctrl-C to end sooner.`;
    output.status(command === undefined ? tracing : `Running ${options.command.join(' ')}…`);
    const stopReason = await waitForStop(options, command, allProbesEnded, session, output.closed);
    if (stopReason === 'signal') output.status('Stopping…');

    // Every probe stops counting at one moment; then all are detached, for their final counts.
    await client.stop(attached.filter(({ probe }) => !ended.has(probe)).map(({ probe }) => probe));
    const finals = await client.detachMany(attached.map(({ probe }) => probe));
    attached.forEach(({ probe }, index) => totals?.close(probe, finals[index]));
    const summaries: ProbeSummary[] = await Promise.all(attached.splice(0).map(async ({ probe, target, group }, index) => {
      const stats = finals[index] as ProbeStats;
      return {
        probe, target, stats, ...(group === undefined ? {} : { group }),
        ...(stats.stacks === undefined ? {} : { stacks: await nameStacks(stats.stacks, (binary, offsets) => loadSymbolsAddon().symbolize(binary, offsets)) }),
      };
    }));
    const outcome: CommandOutcome | undefined = command === undefined ? undefined : await finishCommand(command, stopReason);
    if (output.json) output.jsonLines([summaryLine(summaries, outcome)]);
    else output.data(`${headerPrinted ? '\n' : ''}${formatSummaryTable(summaries, outcome)}`);
  } finally {
    // On an error path, detach what was attached before the helper is asked to shut down.
    if (attached.length > 0) await client.detachMany(attached.map(({ probe }) => probe)).catch(() => undefined);
    for (const subscription of subscriptions) subscription.dispose();
    metricsServer?.close();
    // The last values, once the probes are detached.
    await otlp?.stop();
  }
}

/** A probe's series labels: its file (or "kernel") and function, and the process when it is bound to one. */
function metricLabels(result: AttachResult, target: ResolvedTarget, filter: ProcessFilter | undefined): ProbeLabels {
  return {
    binary: result.binary ?? 'kernel',
    function: target.functionName,
    ...(target.source === undefined ? {} : { file: target.source.file, line: String(target.source.line) }),
    ...(filter === undefined || filter.descendants === true ? {} : { pid: String(filter.pid) }),
  };
}

type SharedAttachParams = Pick<AttachParams, 'filter' | 'maxRecordsPerSecond' | 'start'>;

/** Attaches a batch: alone, or as one probe/attachFunctions; a function that failed there is said and left out. */
async function attachBatch(
  client: HelperSession['client'],
  batch: readonly ResolvedTarget[],
  shared: SharedAttachParams,
  output: Output,
): Promise<{ attachedTargets: [ResolvedTarget, AttachResult][]; links?: AttachFunctionsResult['links'] }> {
  const first = batch[0] as ResolvedTarget;
  const failing = (error: unknown, text: string): unknown =>
    error instanceof ProbeLensError ? new HelperError(error.code, `cannot probe ${text}: ${error.message}`) : error;
  if (batch.length === 1) {
    try {
      return { attachedTargets: [[first, await client.attach({ ...first.attach, ...shared })]] };
    } catch (error) {
      throw failing(error, first.text);
    }
  }
  let answer: Awaited<ReturnType<typeof attachTogether>>;
  try {
    answer = await attachTogether(client, batch.map((target) => ({ ...target.attach, ...shared })));
  } catch (error) {
    throw failing(error, [...new Set(batch.map((target) => target.group?.text ?? target.text))].join(', '));
  }
  const attachedTargets: [ResolvedTarget, AttachResult][] = [];
  batch.forEach((target, index) => {
    const outcome = answer.outcomes[index];
    if (outcome !== undefined && 'result' in outcome) attachedTargets.push([target, outcome.result]);
    else output.status(`cannot probe ${target.text}: ${outcome?.failure ?? 'no answer'}`);
  });
  return { attachedTargets, links: answer.links };
}

function announceProbe(output: Output, target: ResolvedTarget, result: AttachResult): void {
  output.status(`Attached probe ${result.probe}: ${describeAttachment(target.text, result)}`);
  if (result.notCaptured !== undefined) output.status(`  ${result.notCaptured}`);
  for (const note of target.notes ?? []) output.status(`  ${note}`);
  if (result.fallback !== undefined) output.status(`  using kprobes: ${result.fallback}`);
  if (result.stacks !== undefined && !result.stacks.framePointers) {
    output.status(`  stacks: ${result.stacks.depth > 1 ? 'the caller only' : 'this line only'}: ${result.binary ?? 'the binary'} keeps no frame pointers to walk further (build with -fno-omit-frame-pointer)`);
  }
}

function announceGroup(output: Output, group: NonNullable<ResolvedTarget['group']>, results: AttachResult[], links: AttachFunctionsResult['links'] | undefined): void {
  const how = links === 'uprobe_multi' ? 'one uprobe_multi link pair' : 'a link pair each';
  const ms = Math.max(...results.map((result) => result.attachMs));
  output.status(`Attached ${results.length} probes (${results[0]?.probe ?? '?'}–${results.at(-1)?.probe ?? '?'}) for ${group.text}: ${how}, ${ms.toFixed(1)} ms`);
  for (const note of group.notes) output.status(`  ${note}`);
}

const RETURN_KIND: Record<AttachResult['kind'], string> = { uprobe: 'uretprobe', fentry: 'fexit', kprobe: 'kretprobe', tracepoint: 'sys_exit' };

function describeAttachment(text: string, result: AttachResult): string {
  const kinds = `${result.kind}${result.retprobe ? ` + ${RETURN_KIND[result.kind]}` : ''}, ${result.attachMs.toFixed(1)} ms`;
  if (result.binary !== undefined) return `${text} → ${result.binary} offset 0x${(result.offset ?? 0).toString(16)}${result.pastEndbr64 === true ? ' (past its endbr64)' : ''} (${kinds})`;
  return `${text}: ${result.signature ?? text} (${kinds})`;
}

/** A command still running when we stop (duration, Ctrl-C) is ended: we started it. */
async function finishCommand(command: HeldCommand, stopReason: StopReason): Promise<CommandOutcome> {
  return stopReason === 'command-exited' ? command.exited : command.terminate();
}

function waitForStop(options: ProbeOptions, command: HeldCommand | undefined, allProbesEnded: Promise<void>, session: HelperSession, outputClosed: Promise<void>): Promise<StopReason> {
  const cleanups: (() => void)[] = [];
  const stop = new Promise<StopReason>((resolve, reject) => {
    if (options.durationSeconds !== undefined) {
      const timer = setTimeout(() => resolve('duration'), options.durationSeconds * 1000);
      cleanups.push(() => clearTimeout(timer));
    }
    const onSignal = (): void => {
      resolve('signal');
      // A second Ctrl-C while detaching means "now": the helper detaches on its own when we go.
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    cleanups.push(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
    void command?.exited.then(() => resolve('command-exited'));
    void allProbesEnded.then(() => resolve('all-probes-ended'));
    void outputClosed.then(() => resolve('output-closed'));
    void session.exited.then(reject);
  });
  return stop.finally(() => cleanups.forEach((cleanup) => cleanup()));
}
