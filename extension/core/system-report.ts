// Check System's report, in markdown: what the helper measured on this kernel (each probe
// kind, available or the plain reason), how it was started and why, and — for what is missing —
// the fix in words a user can follow. Pure: built from the helper's `initialize` result.

import { formatDuration } from './format';
import type { Capability, EntryCostsResult, InitializeResult, KernelCatalogResult, ProbeKind } from './protocol';

export interface SystemReportInput {
  helperPath: string;
  launchVia: string;
  launchWhy: string;
  result: InitializeResult;
  /** Fixes for a helper without privilege (privilege.ts). */
  privilegeFixes: readonly string[];
  /** Kernel functions: the mechanism a probe would get here, or why none. */
  kernel?: Pick<KernelCatalogResult, 'functionMechanism' | 'functionMechanismReason' | 'functionsTotal' | 'syscallsTotal' | 'tracepointsTotal' | 'tracepointsAvailable' | 'tracepointsReason'>;
  symbolsProblem?: string | undefined;
  /** What a probe hit costs here, measured (probe/entryCosts); absent when it could not be. */
  entryCosts?: EntryCostsResult;
}

const FIXES: Partial<Record<ProbeKind, string>> = {
  uprobe: 'uprobes need CONFIG_UPROBE_EVENTS; run on a kernel built with it (most distribution kernels are).',
  kprobe: 'kprobes need a kernel with CONFIG_KPROBES; fentry/fexit (below) is the other way to probe kernel functions.',
  fentry: 'fentry/fexit need BTF (/sys/kernel/btf/vmlinux), BPF trampolines (x86-64, CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS) and no lockdown refusing them.',
  tracepoint: 'tracepoints need tracefs: sudo mount -t tracefs nodev /sys/kernel/tracing',
};

export function systemReportMarkdown(input: SystemReportInput): string {
  const { result } = input;
  const lines = [
    '# Probe Lens: Check System',
    '',
    `- Helper ${result.serverInfo.version} (protocol ${result.protocolVersion}) at \`${input.helperPath}\``,
    `- Started ${input.launchVia === 'direct' ? 'directly' : `through ${input.launchVia}`}: ${input.launchWhy}`,
    `- Probing on behalf of ${result.requestingUser.uid === null ? '**an unknown user** (every probe is refused)' : `uid ${result.requestingUser.uid}`}`,
    `- Privilege to load eBPF: **${result.privileged ? 'yes' : 'no'}**`,
    `- tracefs: ${result.tracefs.mounted ? `mounted at \`${result.tracefs.path ?? '?'}\`` : 'not mounted'}`,
    `- Symbols (DWARF reader): ${input.symbolsProblem === undefined ? 'loaded' : `**unavailable**: ${input.symbolsProblem}`}`,
    '',
    '| Probe kind | Here | Why not, and the fix |',
    '|---|---|---|',
  ];
  for (const [kind, capability] of Object.entries(result.probeKinds) as [ProbeKind, { available: boolean; reason?: string }][]) {
    const fix = capability.available ? '' : `${capability.reason ?? 'no reason given'}${FIXES[kind] === undefined ? '' : ` — ${FIXES[kind]}`}`;
    lines.push(`| ${kind} | ${capability.available ? '✅ available' : '❌ unavailable'} | ${fix.replaceAll('|', '\\|')} |`);
  }
  if (input.entryCosts !== undefined) lines.push('', `What a probed call costs here, measured now: ${entryCostsText(input.entryCosts)}`);
  lines.push('', `Many functions at once (BINARY:GLOB, FILE.c:*, Probe All Functions in This File): ${manyFunctionsText(result.mechanisms.uprobeMulti)}`, '');
  if (!result.privileged) {
    lines.push('## The helper is not permitted to load eBPF programs', '', ...input.privilegeFixes.map((fix) => `- ${fix}`), '');
  }
  const userOk = result.privileged && result.probeKinds.uprobe.available && result.probeKinds.uretprobe.available;
  lines.push(
    userOk
      ? '**Function probes work here**: right-click a function in a C/C++ file → *Probe This Function*.'
      : '**Function probes do not work here yet**: see above.',
  );
  if (input.kernel !== undefined) {
    const k = input.kernel;
    lines.push(
      '',
      '## Kernel',
      '',
      `- Kernel functions (${k.functionsTotal} with BTF signatures): ${k.functionMechanism === null ? `**cannot be probed**: ${k.functionMechanismReason ?? 'no reason given'}` : `probed with ${k.functionMechanism}`}`,
      `- Syscalls: ${k.syscallsTotal}; tracepoints: ${k.tracepointsAvailable ? k.tracepointsTotal : `unavailable: ${k.tracepointsReason ?? ''}`}`,
    );
  }
  lines.push('', `Limits: ${result.limits.maxProbes} probes, ${result.limits.maxArgs} arguments each, strings up to ${result.limits.maxStringLength} bytes, ${result.limits.maxEventsPerSecond} events/s.`);
  return `${lines.join('\n')}\n`;
}

/** How many-function probes attach here, in words. */
export function manyFunctionsText(uprobeMulti: Capability): string {
  return uprobeMulti.available
    ? 'one uprobe_multi link for all their entries, one for their returns'
    : `a link per function (slower to attach, and to detach by the hundred): ${uprobeMulti.reason ?? 'no reason given'}`;
}

/** What a probed call costs here per kind of first instruction, in words, from probe/entryCosts. */
export function entryCostsText(costs: EntryCostsResult): string {
  const ns = costs.nsPerHit;
  const nop5 = costs.nop5Optimized
    ? `${formatDuration(ns.optimized)} when the function starts with a 5-byte nop (the kernel turns it into a call: clang -fpatchable-function-entry=5 builds start every function so)`
    : `${formatDuration(ns.optimized)} when it starts with a 5-byte nop (this kernel does not turn it into a call: it is emulated like any nop)`;
  return `${nop5}; ${formatDuration(ns.emulated)} with a push or a nop (emulated); ${formatDuration(ns['single-stepped'])} with anything else (single-stepped).`;
}
