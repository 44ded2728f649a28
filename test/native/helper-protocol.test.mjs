// The helper on its own: the JSON-RPC contract, validation of every field, real probes with
// exact counts and values, refusal without privilege, and clean-up when its client dies.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers, frame } from '../support/raw-helper.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-helper-test-'));
chmodSync(work, 0o755);
const target = path.join(work, 'protocol-target');
const isRoot = process.geteuid() === 0;

afterEach(closeAllHelpers);

before(() => {
  execFileSync('gcc', ['-g', '-O0', '-o', target, path.join(here, '..', 'fixtures', 'protocol-target.c')]);
});

const s64 = (name, register) => ({ name, location: { register }, type: 's64' });

async function started(options) {
  const helper = new RawHelper(options);
  const init = await helper.request('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  return { helper, init };
}

/** Runs the target with n calls, released only once `release` is called. */
function heldTarget(n) {
  const child = spawn(target, [String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  const done = new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
  return { child, done, release: () => child.stdin.end('go\n') };
}

function errorCode(message) {
  assert.ok(message.error, `expected an error, got ${JSON.stringify(message)}`);
  return message.error.data.code;
}

function kernelAtLeast(major, minor) {
  const [have, haveMinor] = os.release().split('.').map(Number);
  return have > major || (have === major && haveMinor >= minor);
}

test('initialize reports the version, each probe kind measured, and the requesting user', async () => {
  const { helper, init } = await started();
  const result = init.result;
  assert.equal(result.protocolVersion, 4);
  assert.equal(result.serverInfo.name, 'probe-lens-helper');
  assert.deepEqual(Object.keys(result.probeKinds).sort(),
    ['fentry', 'fexit', 'kprobe', 'kretprobe', 'tracepoint', 'uprobe', 'uretprobe']);
  for (const [kind, cap] of Object.entries(result.probeKinds)) {
    assert.equal(typeof cap.available, 'boolean', kind);
    if (!cap.available) assert.match(cap.reason, /^\w.{30,}/, `${kind} must say why in words`);
  }
  assert.equal(result.privileged, isRoot);
  assert.equal(result.probeKinds.uprobe.available, isRoot && existsSync('/sys/bus/event_source/devices/uprobe'));
  const hasKprobePmu = existsSync('/sys/bus/event_source/devices/kprobe');
  if (isRoot && !hasKprobePmu) assert.match(result.probeKinds.kprobe.reason, /CONFIG_KPROBES/);
  assert.equal(result.requestingUser.uid, process.getuid());
  // Measured by trying: the host's 6.18 has uprobe_multi; without privilege nothing is.
  assert.equal(result.mechanisms.uprobeMulti.available, isRoot && kernelAtLeast(6, 6));
  if (!result.mechanisms.uprobeMulti.available) assert.match(result.mechanisms.uprobeMulti.reason, /^\w.{30,}/);
  assert.equal((await helper.request('shutdown', null)).result, null);
  helper.notify('exit');
  assert.deepEqual(await helper.exited, { code: 0, signal: null });
});

test('probe requests before initialize are refused', async () => {
  const helper = new RawHelper();
  assert.equal(errorCode(await helper.request('probe/list', {})), 'not-initialized');
  await helper.close();
});

test('calls, arguments and return values arrive exactly, 64-bit values and strings included', { skip: !isRoot && 'needs root' }, async () => {
  const { helper } = await started();
  const run = heldTarget(1000);
  const filter = { pid: run.child.pid };
  const add = await helper.request('probe/attach', {
    binary: target, symbol: 'add', filter,
    capture: { args: [s64('a', 'rdi'), s64('b', 'rsi')], ret: 's64' },
  });
  assert.equal(add.result.kind, 'uprobe');
  assert.equal(add.result.symbol, 'add');
  const nm = execFileSync('nm', [target]).toString();
  assert.equal(add.result.address, parseInt(/^([0-9a-f]+) T add$/m.exec(nm)[1], 16));
  const big = await helper.request('probe/attach', { binary: target, symbol: 'big', filter, capture: { args: [], ret: 'u64' } });
  const greet = await helper.request('probe/attach', {
    binary: target, symbol: 'greet', filter,
    capture: { args: [{ name: 'name', location: { register: 'rdi' }, type: 'string' }, { name: 'times', location: { register: 'rsi' }, type: 's32' }], ret: 's32' },
  });
  run.release();
  const { code } = await run.done;
  assert.equal(code, 0);
  const ended = await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === add.result.probe);
  assert.equal(ended.params.reason, 'process-exited');

  const finals = {};
  for (const p of [add, big, greet]) finals[p.result.probe] = (await helper.request('probe/detach', { probe: p.result.probe })).result;
  assert.equal(finals[add.result.probe].calls, 1000);
  assert.equal(finals[add.result.probe].returns, 1000);
  assert.equal(finals[add.result.probe].latencyHistogram.reduce((a, b) => a + b, 0), 1000);

  const events = helper.messages.filter((m) => m.method === 'probe/events').flatMap((m) => m.params.events);
  const dropped = finals[add.result.probe].dropped;
  const addCalls = events.filter((e) => e.probe === add.result.probe && e.type === 'call');
  const addReturns = events.filter((e) => e.probe === add.result.probe && e.type === 'return');
  assert.equal(addCalls.length + addReturns.length + dropped, 2000, 'every record delivered or counted as dropped');
  for (const call of addCalls) {
    assert.equal(call.pid, run.child.pid);
    assert.equal(call.comm, 'protocol-target');
    assert.equal(call.args.b + 2 * call.args.a, 0);
  }
  if (dropped === 0) assert.deepEqual(addCalls.map((c) => c.args.a), [...Array(1000).keys()]);
  for (const ret of addReturns) assert.ok(ret.ret <= 0 && ret.latencyNs > 0);
  const bigReturn = events.find((e) => e.probe === big.result.probe && e.type === 'return');
  assert.equal(bigReturn.ret, '18364758544493064720', 'u64 beyond 2^53 comes as an exact decimal string');
  const greetCall = events.find((e) => e.probe === greet.result.probe && e.type === 'call');
  assert.deepEqual(greetCall.args, { name: 'world', times: 3 });
  assert.equal(events.find((e) => e.probe === greet.result.probe && e.type === 'return').ret, 4);
  await helper.close();
});

test('a pointer argument\'s struct is read at entry: its bytes, the string a field points to, NULL, unreadable', { skip: !isRoot && 'needs root' }, async () => {
  const { helper } = await started();
  const run = heldTarget(1);
  let run2;
  const lookup = await helper.request('probe/attach', {
    binary: target, symbol: 'lookup', filter: { pid: run.child.pid },
    capture: { args: [{ name: 'key', location: { register: 'rdi' }, type: 'pointer', deref: { size: 16, stringAt: 8 } }], ret: 's64' },
  });
  assert.ok(lookup.result, JSON.stringify(lookup));
  run.release();
  await run.done;
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === lookup.result.probe);
  assert.equal((await helper.request('probe/detach', { probe: lookup.result.probe })).result.calls, 3);
  const calls = helper.messages.filter((m) => m.method === 'probe/events').flatMap((m) => m.params.events).filter((e) => e.type === 'call');
  const [first, none, nowhere] = calls.map((call) => call.args.key);
  assert.match(first.address, /^0x[0-9a-f]+$/);
  assert.equal(first.bytes.slice(0, 16), '0900000000000000', 'size = 9, little-endian');
  assert.equal(first.text, 'key-00042 and more', 'the bytes the data pointer points to (the client cuts them to size)');
  assert.equal(none, null);
  assert.deepEqual(nowhere, { address: '0x10', unreadable: true });

  // With lengthAt: exactly as many bytes as the size field says (9), not the text up to a NUL.
  const byLength = await helper.request('probe/attach', {
    binary: target, symbol: 'lookup', filter: { pid: (run2 = heldTarget(1)).child.pid },
    capture: { args: [{ name: 'key', location: { register: 'rdi' }, type: 'pointer', deref: { size: 16, stringAt: 8, lengthAt: 0 } }], ret: 's64' },
  });
  run2.release();
  await run2.done;
  await helper.waitFor((m) => m.method === 'probe/ended' && m.params.probe === byLength.result.probe);
  await helper.request('probe/detach', { probe: byLength.result.probe });
  const [exact] = helper.messages.filter((m) => m.method === 'probe/events').flatMap((m) => m.params.events).filter((e) => e.probe === byLength.result.probe && e.type === 'call').map((call) => call.args.key);
  assert.equal(exact.data, Buffer.from('key-00042').toString('hex'));
  assert.equal('text' in exact, false);

  for (const [deref, message] of [[{ size: 65 }, /between 1 and 64/], [{ size: 16, stringAt: 12 }, /multiple of 8/], [{ size: 8, stringAt: 8 }, /inside the 8 bytes/], [{ size: 16, lengthAt: 0 }, /goes with a stringAt/], [{ size: 16, stringAt: 8, lengthAt: 8 }, /another slot/]]) {
    const answer = await helper.request('probe/attach', { binary: target, symbol: 'lookup', capture: { args: [{ name: 'key', location: { register: 'rdi' }, type: 'pointer', deref }] } });
    assert.equal(errorCode(answer), 'bad-params', JSON.stringify(deref));
    assert.match(answer.error.message, message);
  }
  const notPointer = await helper.request('probe/attach', { binary: target, symbol: 'lookup', capture: { args: [{ name: 'key', location: { register: 'rdi' }, type: 'u64', deref: { size: 8 } }] } });
  assert.match(notPointer.error.message, /only a 'pointer' may have a 'deref'/);
  await helper.close();
});

test('bad input gets a specific error while the helper keeps serving', async () => {
  const { helper } = await started();
  const textFile = path.join(work, 'notes.txt');
  writeFileSync(textFile, 'not an ELF file\n');
  const attach = (params) => helper.request('probe/attach', params);
  const expectations = [
    [{ binary: path.join(work, 'missing'), symbol: 'add' }, 'binary-not-found', /no such file/],
    [{ binary: work, symbol: 'add' }, 'not-a-file', /directory/],
    [{ binary: textFile, symbol: 'add' }, 'not-elf', /not an ELF file/],
    [{ binary: target, symbol: 'ad' }, 'symbol-not-found', /Did you mean 'add'/],
    [{ binary: 'relative/app', symbol: 'add' }, 'bad-params', /absolute/],
    [{ binary: `${work}/../${path.basename(work)}/protocol-target`, symbol: 'add' }, 'bad-params', /'\.\.'/],
    [{ binary: target }, 'bad-params', /exactly one of 'symbol' and 'offset'/],
    [{ binary: target, symbol: 'add', surprise: 1 }, 'bad-params', /unknown field 'surprise'/],
    [{ binary: 42, symbol: 'add' }, 'bad-params', /'binary' must be a string/],
    [{ binary: target, symbol: 'add', filter: { pid: 2 ** 31 } }, 'bad-params', /between/],
    [{ binary: target, symbol: 'add', capture: { args: [{ name: 'x', location: { register: 'xmm0' }, type: 's64' }] } }, 'bad-params', /register must be a general register \(rax \.\. r15\), not 'xmm0'/],
    [{ binary: target, symbol: 'add', capture: { args: [{ name: 'x', location: { memory: { register: 'rip', offset: 0 } }, type: 's64' }] } }, 'bad-params', /memory.register must be a general register/],
    [{ binary: target, symbol: 'add', capture: { args: [{ name: 'x', location: { memory: { register: 'rbp', offset: 2 ** 21 } }, type: 's64' }] } }, 'bad-params', /between/],
    [{ binary: target, symbol: 'add', capture: { args: Array(7).fill(s64('x', 'rdi')) } }, 'bad-params', /more than 6/],
    // A struct by value: one or two argument registers, or a stack copy, always a pointer with a deref.
    [{ binary: target, symbol: 'add', capture: { args: [{ name: 'p', location: { registers: ['rdi', 'rsi', 'rdx'] }, type: 'pointer', deref: { size: 8 } }] } }, 'bad-params', /one or two argument registers/],
    [{ binary: target, symbol: 'add', capture: { args: [{ name: 'p', location: { registers: ['rax'] }, type: 'pointer', deref: { size: 8 } }] } }, 'bad-params', /register must be one of/],
    [{ binary: target, symbol: 'add', capture: { args: [{ name: 'p', location: { registers: ['rdi', 'rsi'] }, type: 'pointer', deref: { size: 24 } }] } }, 'bad-params', /at most 16 bytes/],
    [{ binary: target, symbol: 'add', capture: { args: [{ name: 'p', location: { stackCopy: 8 }, type: 's64' }] } }, 'bad-params', /a 'pointer' with a 'deref'/],
    [{ binary: target, symbol: 'add', capture: { args: [{ name: 'p', location: { stackCopy: 8, register: 'rdi' }, type: 'pointer', deref: { size: 8 } }] } }, 'bad-params', /a location is one of/],
    [{ binary: target, symbol: 'add', capture: { args: [], ret: 'float' } }, 'bad-params', /capture.ret must be one of/],
  ];
  if (isRoot) {
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('exit', resolve));
    expectations.push([{ binary: target, symbol: 'add', filter: { pid: dead.pid } }, 'no-such-process', /no process/]);
  }
  for (const [params, code, message] of expectations) {
    const answer = await attach(params);
    assert.equal(errorCode(answer), isRoot ? code : 'no-privilege', JSON.stringify(params));
    if (isRoot) assert.match(answer.error.message, message);
  }
  assert.equal(errorCode(await helper.request('probe/frobnicate', {})), 'method-not-found');
  assert.equal((await helper.request('probe/frobnicate', {})).error.code, -32601);
  assert.equal(errorCode(await helper.request('probe/detach', { probe: 12345 })), isRoot ? 'probe-not-found' : 'no-privilege');

  helper.writeRaw(frame('{"jsonrpc": "2.0", "id": 77, "method": '));
  assert.equal(errorCode(await helper.waitFor((m) => m.error?.code === -32700)), 'parse-error');
  helper.writeRaw(frame('[1, 2, 3]'));
  assert.match((await helper.waitFor((m) => m.error?.message.includes('must be an object'))).error.message, /object/);
  helper.writeRaw(frame({ jsonrpc: '1.0', id: 78, method: 'probe/list' }));
  assert.equal(errorCode(await helper.waitFor((m) => m.id === 78)), 'invalid-request');
  const huge = 2 * 1024 * 1024;
  helper.writeRaw(Buffer.concat([Buffer.from(`Content-Length: ${huge}\r\n\r\n`), Buffer.alloc(huge, 0x20)]));
  assert.match((await helper.waitFor((m) => /refused: the limit/.test(m.error?.message ?? ''))).error.message, /2097152 bytes/);
  helper.writeRaw(Buffer.from('Content-Type: nothing\r\n\r\n'));
  assert.equal(errorCode(await helper.waitFor((m) => /malformed frame header/.test(m.error?.message ?? ''))), 'invalid-request');

  const list = await helper.request('probe/list', {});
  assert.deepEqual(list.result ?? list.error.data.code, isRoot ? { probes: [] } : 'no-privilege', 'still serving');
  await helper.close();
});

test('without privilege the helper says so and how to fix it', async () => {
  const { helper, init } = await started({ command: isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [] });
  assert.equal(init.result.privileged, false);
  assert.equal(init.result.probeKinds.uprobe.available, false);
  assert.match(init.result.probeKinds.uprobe.reason, /not privileged.*root.*setcap/);
  const answer = await helper.request('probe/attach', { binary: target, symbol: 'add' });
  assert.equal(errorCode(answer), 'no-privilege');
  await helper.close();
});

function ourLinkIds() {
  return new Set(JSON.parse(execFileSync('bpftool', ['link', 'show', '-j']).toString()).map((l) => l.id));
}

test('killing the client with SIGKILL leaves no BPF link behind', { skip: !isRoot && 'needs root' }, async () => {
  const before = ourLinkIds();
  // The client is a separate process that owns the helper; it is killed outright.
  const client = spawn(process.execPath, ['--input-type=module', '-e', `
    import { RawHelper } from ${JSON.stringify(path.join(here, '..', 'support', 'raw-helper.mjs'))};
    const helper = new RawHelper();
    await helper.request('initialize', {});
    const a = await helper.request('probe/attach', { binary: ${JSON.stringify(target)}, symbol: 'add' });
    const b = await helper.request('probe/attach', { binary: ${JSON.stringify(target)}, symbol: 'big' });
    console.log(JSON.stringify([a.result.probe, b.result.probe, helper.child.pid]));
    setInterval(() => {}, 1000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => client.stdout.once('data', (d) => resolve(d.toString())));
  const helperPid = JSON.parse(line)[2];
  const added = [...ourLinkIds()].filter((id) => !before.has(id));
  assert.equal(added.length, 4, 'two probes, entry and return links each');
  client.kill('SIGKILL');
  for (let i = 0; i < 50 && existsSync(`/proc/${helperPid}`); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(existsSync(`/proc/${helperPid}`), false, 'the helper exits with its client');
  const after = ourLinkIds();
  assert.deepEqual(added.filter((id) => after.has(id)), []);
});

test('rebuilding a probed binary ends its probe with binary-replaced', { skip: !isRoot && 'needs root' }, async () => {
  const rebuilt = path.join(work, 'rebuilt-target');
  const build = () => execFileSync('gcc', ['-g', '-O0', '-o', rebuilt, path.join(here, '..', 'fixtures', 'protocol-target.c')]);
  build();
  const { helper } = await started();
  const attached = await helper.request('probe/attach', { binary: rebuilt, symbol: 'add' });
  execFileSync('chmod', ['a+x', rebuilt]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const touched = await helper.request('probe/list', {});
  assert.equal(touched.result.probes[0].state, 'live', 'chmod alone ends nothing');
  build();
  const ended = await helper.waitFor((m) => m.method === 'probe/ended');
  assert.equal(ended.params.probe, attached.result.probe);
  assert.equal(ended.params.reason, 'binary-replaced');
  assert.match(ended.params.message, /rebuilt-target was (replaced or deleted|rewritten): attach again/);
  const list = await helper.request('probe/list', {});
  assert.equal(list.result.probes[0].state, 'ended');
  await helper.close();
});
