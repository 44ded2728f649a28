// `probe-lens doctor`: start the helper the way `probe` would and report, in plain words, what
// this machine can probe and why not. Exit 0 when uprobes work, 3 when they do not.

import { noPrivilegeMessage, type HelperSession } from '../core/helper-process';
import { entryCostsText, manyFunctionsText } from '../core/system-report';
import type { EntryCostsResult, InitializeResult, ProbeKind } from '../core/protocol';
import { CLI_VERSION, openHelperSession } from './helper-session';
import type { Output } from './output';

export interface DoctorReport {
  type: 'doctor';
  version: string;
  helper_path: string;
  launched_via: HelperSession['launchedVia'];
  /** Why the helper has no privilege; null when it has. */
  privilege_problem: string | null;
  uprobes_available: boolean;
  /** The helper's `initialize` result, as it sent it. */
  helper: InitializeResult;
  /** What a probed call costs here, measured by the helper (probe/entryCosts); null when uprobes are not available. */
  entry_costs: EntryCostsResult | null;
}

export function uprobesAvailable(result: InitializeResult): boolean {
  return result.privileged && result.probeKinds.uprobe.available && result.probeKinds.uretprobe.available;
}

function describeReport(report: DoctorReport): string {
  const { helper } = report;
  const kinds = Object.entries(helper.probeKinds) as [ProbeKind, InitializeResult['probeKinds'][ProbeKind]][];
  const kindWidth = Math.max(...kinds.map(([kind]) => kind.length));
  // One reason for every kind (an old kernel, no privilege): said once.
  const reasons = new Set(kinds.map(([, capability]) => (capability.available ? undefined : capability.reason)));
  const sharedReason = reasons.size === 1 ? [...reasons][0] : undefined;
  const lines = [
    `probe-lens ${report.version}; helper ${helper.serverInfo.version} (protocol ${helper.protocolVersion}) at ${report.helper_path}`,
    `Started: ${report.launched_via === 'sudo' ? 'through sudo -n' : 'directly'}, for ${helper.requestingUser.uid === null ? 'an unknown user (every probe is refused)' : `uid ${helper.requestingUser.uid}`}`,
    `Privilege to load eBPF: ${helper.privileged ? 'yes' : 'no'}`,
    `tracefs: ${helper.tracefs.mounted ? `mounted at ${helper.tracefs.path ?? '?'}` : 'not mounted (mount -t tracefs nodev /sys/kernel/tracing)'}`,
    ...(sharedReason !== undefined
      ? [`Probe kinds: none available: ${sharedReason}`]
      : [
          'Probe kinds:',
          ...kinds.map(([kind, capability]) => `  ${kind.padEnd(kindWidth)}  ${capability.available ? 'available' : `unavailable: ${capability.reason ?? 'no reason given'}`}`),
          `Many functions at once: ${manyFunctionsText(helper.mechanisms.uprobeMulti)}`,
        ]),
    ...(report.entry_costs === null ? [] : [`A probed call costs, measured now: ${entryCostsText(report.entry_costs)}`]),
    `Limits: ${helper.limits.maxProbes} probes, ${helper.limits.maxArgs} arguments each, strings up to ${helper.limits.maxStringLength} bytes, ${helper.limits.maxEventsPerSecond} events/s`,
  ];
  if (!helper.privileged) lines.push('', noPrivilegeMessage(report.helper_path, report.privilege_problem ?? 'unknown reason'));
  lines.push('', report.uprobes_available ? 'Function probes work here: probe-lens probe BINARY:FUNCTION.' : 'Function probes do not work here yet: see above.');
  return `${lines.join('\n')}\n`;
}

/** Returns the exit status: 0 when uprobes are available, else 3. */
export async function runDoctor(verbose: boolean, output: Output): Promise<number> {
  const session = await openHelperSession(verbose);
  try {
    const report: DoctorReport = {
      type: 'doctor',
      version: CLI_VERSION,
      helper_path: session.helperPath,
      launched_via: session.launchedVia,
      privilege_problem: session.privilegeProblem ?? null,
      uprobes_available: uprobesAvailable(session.initializeResult),
      helper: session.initializeResult,
      entry_costs: uprobesAvailable(session.initializeResult) ? await session.client.entryCosts().catch(() => null) : null,
    };
    output.data(output.json ? `${JSON.stringify(report)}\n` : describeReport(report));
    return report.uprobes_available ? 0 : 3;
  } finally {
    await session.close();
  }
}
