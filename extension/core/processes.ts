// Processes by the program they run, read from /proc. The helper probes one process at a time
// for a user who is not root, and a library call in a program is counted in that program only:
// both bind a probe to the newest process running a file.

import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

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

/**
 * Whether process `pid` has `file` mapped (its program, or a library it loaded), by device and
 * inode as /proc/PID/maps lists them; undefined when its maps cannot be read (not ours, gone).
 */
export function processMapsFile(pid: number, file: string): boolean | undefined {
  let maps: string;
  let wanted: { dev: number; ino: number };
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
    const stat = statSync(file);
    wanted = { dev: stat.dev, ino: stat.ino };
  } catch {
    return undefined;
  }
  return maps.split('\n').some((line) => {
    // address perms offset MAJOR:MINOR inode path
    const [, , , device, inode] = line.split(/\s+/);
    const [major, minor] = (device ?? '').split(':').map((part) => parseInt(part, 16));
    if (major === undefined || minor === undefined || Number(inode) !== wanted.ino) return false;
    // glibc's makedev: minor's low byte, major above it, the rest of minor higher still.
    return ((major & 0xfff) << 8) + (minor & 0xff) + ((minor & ~0xff) << 12) === wanted.dev;
  });
}

/** The process's command name (/proc/PID/comm), or '?'. */
export function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
