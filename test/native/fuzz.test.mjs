// Fuzzes the helper's input side — Content-Length framing fed in pieces, the JSON-RPC envelope,
// and probe/attach validation (native/fuzz/rpc_fuzz.c) — for a bounded time, and fails on any
// crash, leak, timeout or undefined behaviour. 20 s in `npm test`; `npm run fuzz` runs it 600 s
// (PROBE_LENS_FUZZ_SECONDS sets it). A crashing input is kept under test/artifacts/fuzz/ for the corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const native = path.join(root, 'native');
const fuzzer = path.join(native, 'build', 'rpc_fuzz');
const seeds = path.join(native, 'fuzz', 'corpus');
const seconds = Number(process.env.PROBE_LENS_FUZZ_SECONDS ?? 20);

test(`the helper's input side survives ${seconds} s of fuzzing`, { timeout: (seconds + 180) * 1000 }, async (t) => {
  try {
    execFileSync('make', ['-C', native, 'fuzz'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    assert.fail(`make -C native fuzz failed (libFuzzer comes with clang: apt-get install libclang-rt-14-dev):\n${err.stderr}`);
  }
  // New inputs go to a scratch corpus; the seeds in the repository are only read.
  const scratch = mkdtempSync(path.join(tmpdir(), 'probe-lens-fuzz-'));
  const artifacts = path.join(root, 'test', 'artifacts', 'fuzz');
  mkdirSync(artifacts, { recursive: true });
  const child = spawn(fuzzer, [
    `-max_total_time=${seconds}`, '-timeout=10', '-rss_limit_mb=2048', '-print_final_stats=1',
    `-artifact_prefix=${artifacts}/`, scratch, seeds,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? signal)));
  const crashes = readdirSync(artifacts);
  assert.equal(code, 0, `the fuzzer failed (inputs kept: ${crashes.join(', ') || 'none'}):\n${log.slice(-6000)}`);
  const runs = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(log)?.[1] ?? 0);
  assert.ok(runs > 1000, `the fuzzer ran only ${runs} inputs:\n${log.slice(-3000)}`);
  t.diagnostic(`${runs} inputs under ASan+UBSan in ${seconds} s, 0 crashes`);
});
