// A deliberately raw client for the helper: it writes arbitrary bytes (malformed frames
// included) and reads framed messages back, so tests see exactly what crosses the wire.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const HELPER_PATH = process.env.PROBE_LENS_HELPER ??
  path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build', 'probe-lens-helper');

export function frame(body) {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`), bytes]);
}

/** Every helper not yet closed: a failed test must not leave one alive to hang the run. */
const open = new Set();

export async function closeAllHelpers() {
  await Promise.all([...open].map((helper) => helper.close()));
}

export class RawHelper {
  /** `command` runs the helper (e.g. sudo); `spawnOptions` may set uid, gid, cwd and env. */
  constructor({ command = [], env = process.env, helperPath = HELPER_PATH, spawnOptions = {} } = {}) {
    open.add(this);
    const argv = [...command, helperPath];
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env, ...spawnOptions });
    this.buffer = Buffer.alloc(0);
    this.messages = [];
    this.waiters = [];
    this.stderr = '';
    this.nextId = 1;
    this.child.stderr.on('data', (d) => { this.stderr += d; });
    this.child.stdout.on('data', (d) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.#parse();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  #parse() {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const match = /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString());
      if (!match) throw new Error(`helper wrote a bad header: ${this.buffer.subarray(0, end)}`);
      const length = Number(match[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString());
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => !w(message));
    }
  }

  writeRaw(bytes) {
    this.child.stdin.write(bytes);
  }

  /** Resolves with the first message (already received or future) that matches. */
  waitFor(predicate, timeoutMs = 10000) {
    const seen = this.messages.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push((m) => {
        if (!predicate(m)) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      });
    });
  }

  async request(method, params) {
    const id = this.nextId++;
    this.writeRaw(frame({ jsonrpc: '2.0', id, method, params }));
    return this.waitFor((m) => m.id === id);
  }

  notify(method, params) {
    this.writeRaw(frame({ jsonrpc: '2.0', method, params }));
  }

  async close() {
    open.delete(this);
    this.child.stdin.end();
    return this.exited;
  }
}
