// Processes by the program they run, read from /proc. The helper probes one process at a time
// for a user who is not root, and a library call in a program is counted in that program only:
// both bind a probe to the newest process running a file.

import { readdirSync, readlinkSync } from 'node:fs';

/** Processes running `program` that we may see, newest first. */
export function processesOf(program: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/exe`) === program) pids.push(Number(name));
    } catch {
      continue;
    }
  }
  return pids.sort((a, b) => b - a);
}
