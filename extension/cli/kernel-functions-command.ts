// `probe-lens kernel-functions`: what in the kernel can be probed here and how — kernel
// functions with their BTF signatures, syscalls and tracepoints — filtered by a substring, with
// the mechanism a kernel function probe would get (fentry or kprobe) or why there is none.

import { HelperError } from '../core/helper-connection';
import { noPrivilegeMessage } from '../core/helper-process';
import type { KernelCatalogResult } from '../core/protocol';
import { openHelperSession } from './helper-session';
import type { Output } from './output';

export interface KernelFunctionsOptions {
  filter: string | undefined;
  verbose: boolean;
}

function more(shown: number, total: number): string[] {
  return total > shown ? [`  … and ${total - shown} more: narrow with --filter`] : [];
}

/** Human lines; the quick pick and JSON output carry the same facts. */
export function describeKernelCatalog(catalog: KernelCatalogResult, shownPerSection = 200): string {
  const mechanism = catalog.functionMechanism === null
    ? `kernel functions cannot be probed here: ${catalog.functionMechanismReason ?? 'no reason given'}`
    : `kernel functions would be probed with ${catalog.functionMechanism === 'fentry' ? 'fentry/fexit' : 'kprobe/kretprobe'}`;
  const functions = catalog.functions.slice(0, shownPerSection);
  const syscalls = catalog.syscalls.slice(0, shownPerSection);
  const tracepoints = catalog.tracepoints.slice(0, shownPerSection);
  const lines = [
    `Kernel functions (${catalog.functionsTotal}); ${mechanism}:`,
    ...functions.map((fn) => `  kernel:${fn.name.padEnd(32)}  ${fn.signature}`),
    ...more(functions.length, catalog.functionsTotal),
    `Syscalls (${catalog.syscallsTotal}):`,
    ...syscalls.map((name) => `  syscall:${name}`),
    ...more(syscalls.length, catalog.syscallsTotal),
    `Tracepoints (${catalog.tracepointsTotal})${catalog.tracepointsAvailable ? '' : `: unavailable: ${catalog.tracepointsReason ?? ''}`}:`,
    ...tracepoints.map((name) => `  tracepoint:${name}`),
    ...more(tracepoints.length, catalog.tracepointsTotal),
  ];
  return `${lines.join('\n')}\n`;
}

export async function runKernelFunctions(options: KernelFunctionsOptions, output: Output): Promise<number> {
  const session = await openHelperSession(options.verbose);
  try {
    if (!session.initializeResult.privileged) {
      throw new HelperError('no-privilege', noPrivilegeMessage(session.helperPath, session.privilegeProblem ?? 'unknown reason'));
    }
    const catalog = await session.client.kernelCatalog(options.filter === undefined ? {} : { filter: options.filter });
    output.data(output.json ? `${JSON.stringify({ type: 'kernel-functions', ...catalog })}\n` : describeKernelCatalog(catalog));
    return 0;
  } finally {
    await session.close();
  }
}
