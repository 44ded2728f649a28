// probe/attachFunctions: many functions of one binary in one request, one uprobe_multi link for
// their entries and one for their returns where the kernel has them (a link per function
// where it does not, forced here by PROBE_LENS_DISABLE_UPROBE_MULTI); exact counts per function
// either way, detach in one request, and no link left when the client dies.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';
import { buildManyFunctions } from '../support/many-functions.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-many-'));
chmodSync(work, 0o755);
const program = buildManyFunctions(work, { files: 3, perFile: 100 });
const why = process.geteuid() !== 0 && 'needs root (real uprobes through the helper)';

afterEach(closeAllHelpers);

async function helperWith(env = {}) {
  const helper = new RawHelper({ env: { ...process.env, ...env } });
  const init = await helper.request('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  return { helper, init: init.result };
}

function startProgram() {
  const child = spawn(program.binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = new Promise((resolve) => child.stdout.once('data', resolve));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, ready, exited };
}

function running(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function linkIds() {
  return new Set(JSON.parse(execFileSync('bpftool', ['link', 'show', '-j']).toString()).map((l) => l.id));
}

/** Attaches every function of the program (and one that does not exist), runs it, detaches. */
async function probeEveryFunction(helper, functions) {
  const run = startProgram();
  await run.ready;
  const attached = (await helper.request('probe/attachFunctions', {
    binary: program.binary, filter: { pid: run.child.pid }, maxRecordsPerSecond: 0,
    functions: [...functions.map((f) => ({ symbol: f.name })), { symbol: 'no_such_function' }],
  })).result;
  run.child.stdin.end('go\n');
  await run.exited;
  const last = attached.probes.at(-1).probe;
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === last);
  const detached = (await helper.request('probe/detachMany', { probes: attached.probes.map((p) => p.probe) })).result;
  return { attached, detached };
}

test('300 functions in one request: one pair of uprobe_multi links, each function counted exactly', { skip: why }, async (t) => {
  const { helper, init } = await helperWith();
  if (!init.mechanisms.uprobeMulti.available) {
    t.skip(`this kernel has no uprobe_multi: ${init.mechanisms.uprobeMulti.reason}`);
    return;
  }
  const before = linkIds();
  const { attached, detached } = await probeEveryFunction(helper, program.functions);
  assert.equal(attached.links, 'uprobe_multi');
  assert.equal(attached.linksReason, null);
  assert.equal(attached.probes.length, 300);
  assert.deepEqual(attached.probes.map((p) => p.symbol), program.functions.map((f) => f.name));
  assert.deepEqual(attached.failed, [{ index: 300, symbol: 'no_such_function', code: 'symbol-not-found',
    message: `no function 'no_such_function' in ${program.binary}` }]);
  assert.deepEqual(detached.probes.map((s) => [s.calls, s.returns]), program.functions.map((f) => [f.calls, f.calls]));
  assert.deepEqual(detached.probes.map((s) => s.probe), attached.probes.map((p) => p.probe));
  for (let i = 0; i < 50 && [...linkIds()].some((id) => !before.has(id)); i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual([...linkIds()].filter((id) => !before.has(id)), [], 'the links are gone once all are detached');
});

test('without uprobe_multi: a link per function, said so, the same exact counts', { skip: why }, async () => {
  const { helper, init } = await helperWith({ PROBE_LENS_DISABLE_UPROBE_MULTI: '1' });
  assert.deepEqual(init.mechanisms.uprobeMulti, { available: false,
    reason: 'uprobe_multi links are turned off by PROBE_LENS_DISABLE_UPROBE_MULTI: each function gets links of its own' });
  const some = program.functions.filter((f, i) => i % 30 === 0);
  const { attached, detached } = await probeEveryFunction(helper, some);
  assert.equal(attached.links, 'per-function');
  assert.match(attached.linksReason, /turned off by PROBE_LENS_DISABLE_UPROBE_MULTI/);
  assert.deepEqual(detached.probes.map((s) => [s.calls, s.returns]), some.map((f) => [f.calls, f.calls]));
});

/** The types of the BPF links made since `before` (bpftool's: uprobe_multi, perf_event). */
function linkTypesSince(before) {
  return JSON.parse(execFileSync('bpftool', ['link', 'show', '-j']).toString()).filter((l) => !before.has(l.id)).map((l) => l.type);
}

test('one function alone: a uprobe_multi link pair where the kernel has them (a hit costs less there), else a perf-event uprobe pair; exact counts either way', { skip: why }, async () => {
  const fn = program.functions[3];
  for (const env of [{}, { PROBE_LENS_DISABLE_UPROBE_MULTI: '1' }]) {
    const { helper, init } = await helperWith(env);
    const run = startProgram();
    await run.ready;
    const before = linkIds();
    const { result, error } = await helper.request('probe/attach', { binary: program.binary, symbol: fn.name, filter: { pid: run.child.pid }, maxRecordsPerSecond: 0 });
    const types = linkTypesSince(before);
    run.child.stdin.end('go\n');
    await run.exited;
    assert.equal(error, undefined, JSON.stringify(error));
    const kind = init.mechanisms.uprobeMulti.available ? 'uprobe_multi' : 'perf_event';
    assert.deepEqual(types, [kind, kind], JSON.stringify(env));
    await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === result.probe);
    const stats = (await helper.request('probe/detach', { probe: result.probe })).result;
    assert.deepEqual([stats.calls, stats.returns], [fn.calls, fn.calls], JSON.stringify(env));
    await closeAllHelpers();
  }
});

test('one function that cannot be probed is listed; a request where none can be fails with why', { skip: why }, async () => {
  const { helper } = await helperWith();
  const none = await helper.request('probe/attachFunctions', { binary: program.binary, functions: [{ symbol: 'nope' }] });
  assert.equal(none.error.data.code, 'symbol-not-found');
  const bad = await helper.request('probe/attachFunctions', { binary: program.binary, functions: [{ symbol: 'file0_fn1', binary: '/bin/sh' }] });
  assert.equal(bad.error.data.code, 'bad-params');
  assert.match(bad.error.message, /binary/);
  const empty = await helper.request('probe/attachFunctions', { binary: program.binary, functions: [] });
  assert.match(empty.error.message, /needs 'binary' and 'functions', a list of 1 to 1000 functions/);
  const tooMany = await helper.request('probe/attachFunctions', { binary: program.binary,
    functions: Array.from({ length: 1001 }, () => ({ symbol: 'file0_fn1' })) });
  assert.equal(tooMany.error.data.code, 'bad-params');
  assert.deepEqual((await helper.request('probe/list', {})).result.probes, [], 'nothing is left attached');
});

test('SIGKILL of the client with 300 functions attached: no BPF link left a second later', { skip: why }, async () => {
  const before = linkIds();
  const client = spawn(process.execPath, ['--input-type=module', '-e', `
    import { RawHelper } from ${JSON.stringify(path.join(here, '..', 'support', 'raw-helper.mjs'))};
    const helper = new RawHelper();
    await helper.request('initialize', {});
    const functions = ${JSON.stringify(program.functions.map((f) => ({ symbol: f.name })))};
    const attached = await helper.request('probe/attachFunctions', { binary: ${JSON.stringify(program.binary)}, functions });
    console.log(JSON.stringify([attached.result.probes.length, attached.result.links, helper.child.pid]));
    setInterval(() => {}, 1000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [count, links, helperPid] = JSON.parse(await new Promise((resolve) => client.stdout.once('data', (d) => resolve(d.toString()))));
  assert.equal(count, 300);
  const added = [...linkIds()].filter((id) => !before.has(id));
  assert.equal(added.length, links === 'uprobe_multi' ? 2 : 600);
  client.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.ok(!running(helperPid), 'the helper has exited with its client (gone, or a zombie waiting for init)');
  const after = linkIds();
  assert.deepEqual(added.filter((id) => after.has(id)), []);
});
