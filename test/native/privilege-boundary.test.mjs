// The helper as a privilege boundary, attacked the way a second user on the machine would:
// real accounts (probe-lens-alice, probe-lens-bob) start it through `sudo -n` as the CLI does,
// with a sudoers rule that lets them set variables (SETENV). The tests named after a finding
// (P1…P5 of issue 13) failed before its fix, but for the one that a pid-bound probe traps no other process.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';
import { setUpOtherUsers, throughSudo } from '../support/other-users.mjs';
import { loadSymbolsAddon } from '../../out/test-core/symbols-addon.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const needsRoot = process.geteuid() !== 0 && 'needs root: it creates the accounts and the sudoers rule it tests with';
// Outside /tmp's per-test dirs of other files, readable by the test accounts.
const work = mkdtempSync('/var/tmp/probe-lens-boundary-');
chmodSync(work, 0o755);
const target = path.join(work, 'protocol-target');
let alice, bob;

afterEach(closeAllHelpers);

before(() => {
  if (needsRoot) return;
  ({ alice, bob } = setUpOtherUsers());
  execFileSync('gcc', ['-g', '-O0', '-o', target, path.join(here, '..', 'fixtures', 'protocol-target.c')]);
});

async function helperFor(user, variables) {
  const helper = new RawHelper(throughSudo(user, variables));
  const init = await helper.request('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  assert.ok(init.result, `initialize failed: ${JSON.stringify(init)}; stderr: ${helper.stderr}`);
  return { helper, init: init.result };
}

/** `program N` run as `user`: it waits for a line on stdin, then makes N calls of add(). */
function runAs(user, program, calls, argv0 = program) {
  const child = spawn(argv0, argv0 === program ? [String(calls)] : ['-c', 'read go; exec "$0" "$1"', program, String(calls)], {
    uid: user.uid, gid: user.gid, cwd: work, stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  const done = new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
  return { child, done, go: () => child.stdin.write('go\n') };
}

function errorOf(answer) {
  assert.ok(answer.error, `expected an error, got ${JSON.stringify(answer)}`);
  return { code: answer.error.data.code, message: answer.error.message };
}

async function waitUntil(check, what) {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting until ${what}`);
}

const procUids = (pid) => /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8')).slice(1).map(Number);

test('P5: the requesting user is the one sudo ran for, whatever SUDO_UID or PKEXEC_UID claim', { skip: needsRoot }, async () => {
  for (const variables of [{}, { PKEXEC_UID: '0' }, { SUDO_UID: '0', SUDO_GID: '0' }, { SUDO_UID: '4294967295', PKEXEC_UID: '4294967295' }]) {
    const { helper, init } = await helperFor(alice, variables);
    assert.equal(init.requestingUser.uid, alice.uid, JSON.stringify(variables));
    assert.equal(init.privileged, true);
    await helper.close();
  }
});

test('P1: a user probes one process of their own, never every process that maps the file', { skip: needsRoot }, async () => {
  const { helper } = await helperFor(alice);
  const systemWide = errorOf(await helper.request('probe/attach', { binary: target, symbol: 'add' }));
  assert.equal(systemWide.code, 'permission-denied');
  assert.match(systemWide.message, /one process of their own.*name a process of uid \d+ \(probe-lens: --pid PID or -- COMMAND\)/);

  const mine = runAs(alice, target, 300);
  const tree = errorOf(await helper.request('probe/attach', { binary: target, symbol: 'add', filter: { pid: mine.child.pid, descendants: true } }));
  assert.equal(tree.code, 'permission-denied');
  assert.match(tree.message, /without descendants/);

  // Bob runs the same binary meanwhile: no breakpoint may reach his process.
  const bobs = runAs(bob, target, 300);
  const probe = await helper.request('probe/attach', { binary: target, symbol: 'add', filter: { pid: mine.child.pid } });
  assert.ok(probe.result, JSON.stringify(probe));
  mine.go();
  bobs.go();
  const [mineDone, bobsDone] = await Promise.all([mine.done, bobs.done].map((p) => p));
  assert.deepEqual([mineDone.code, bobsDone.code], [0, 0]);
  const stats = (await helper.request('probe/detach', { probe: probe.result.probe })).result;
  assert.equal(stats.calls, 300);
  await helper.close();
});

test('P1: another user\'s process running the same binary never traps (the probe is bound to the pid)', { skip: needsRoot }, async () => {
  const ticker = path.join(work, 'wait-then-tick');
  execFileSync('gcc', ['-g', '-O0', '-o', ticker, path.join(here, '..', 'fixtures', 'wait-then-tick.c')]);
  const { helper } = await helperFor(alice);
  const [mine, bobs] = [alice, bob].map((user) => spawn(ticker, ['forever'], { uid: user.uid, gid: user.gid, stdio: ['pipe', 'ignore', 'inherit'] }));
  const probe = await helper.request('probe/attach', { binary: ticker, symbol: 'tick', filter: { pid: mine.pid } });
  assert.ok(probe.result, JSON.stringify(probe));
  for (const child of [mine, bobs]) child.stdin.write('go\n');
  // The uretprobe's trampoline lives in the [uprobes] area, made in a process at its first hit.
  const maps = (pid) => readFileSync(`/proc/${pid}/maps`, 'utf8');
  let calls = 0;
  await waitUntil(() => {
    calls = helper.messages.filter((m) => m.method === 'probe/stats').flatMap((m) => m.params.probes).reduce((n, p) => Math.max(n, p.calls), 0);
    return calls >= 50;
  }, 'alice\'s process made 50 probed calls');
  assert.match(maps(mine.pid), /\[uprobes/, 'the probed process trapped');
  assert.doesNotMatch(maps(bobs.pid), /\[uprobes/, 'bob\'s process never did');
  for (const child of [mine, bobs]) child.kill();
  await helper.close();
});

test('P1: a user may attach only at a function the helper found, never at a raw offset inside one', { skip: needsRoot }, async () => {
  const { helper } = await helperFor(alice);
  const mine = runAs(alice, target, 10);
  const entry = await helper.request('probe/attach', { binary: target, symbol: 'add', filter: { pid: mine.child.pid } });
  const offset = entry.result.offset;
  const inside = errorOf(await helper.request('probe/attach', { binary: target, offset: offset + 1, filter: { pid: mine.child.pid } }));
  assert.equal(inside.code, 'permission-denied');
  assert.match(inside.message, /starts neither a function of its symbol table nor a line/);
  const atEntry = await helper.request('probe/attach', { binary: target, offset, retprobe: false, filter: { pid: mine.child.pid } });
  assert.ok(atEntry.result, JSON.stringify(atEntry));
  mine.go();
  await mine.done;
  assert.equal((await helper.request('probe/detach', { probe: atEntry.result.probe })).result.calls, 10);
  await helper.close();
});

test('a user may probe a line where its line table (DWARF) says it starts, never inside an instruction', { skip: needsRoot }, async () => {
  const source = path.join(here, '..', 'fixtures', 'protocol-target.c');
  const line = readFileSync(source, 'utf8').split('\n').findIndex((text) => text.includes('sum += add(i, -2 * i);')) + 1;
  const { addresses } = await loadSymbolsAddon().lineAddresses(source, line, target);
  const site = addresses[0].fileOffset;
  const { helper } = await helperFor(alice);
  const mine = runAs(alice, target, 10);
  // The line's first instruction, mov -0x..(%rbp),%rax at -O0, is more than a byte long.
  const inside = errorOf(await helper.request('probe/attach', { binary: target, offset: site + 1, retprobe: false, filter: { pid: mine.child.pid } }));
  assert.equal(inside.code, 'permission-denied');
  assert.match(inside.message, /starts neither a function of its symbol table nor a line of its line table/);
  const atLine = await helper.request('probe/attach', { binary: target, offset: site, retprobe: false, filter: { pid: mine.child.pid } });
  assert.ok(atLine.result, JSON.stringify(atLine));
  mine.go();
  await mine.done;
  assert.equal((await helper.request('probe/detach', { probe: atLine.result.probe })).result.calls, 10, 'the line ran once a call');
  await helper.close();
});

test('P2: a set-uid program the user runs is never probed: refused by pid, and unseen after an exec', { skip: needsRoot }, async () => {
  const setuid = path.join(work, 'setuid-target');
  copyFileSync(target, setuid);
  chownSync(setuid, 0, 0);
  chmodSync(setuid, 0o4755);
  const plain = path.join(work, 'plain-target');
  copyFileSync(target, plain);
  chmodSync(plain, 0o755);
  const { helper } = await helperFor(alice);

  const running = runAs(alice, setuid, 5);
  await waitUntil(() => procUids(running.child.pid)[1] === 0, 'the set-uid program runs as root');
  const byPid = errorOf(await helper.request('probe/attach', { binary: setuid, symbol: 'add', filter: { pid: running.child.pid } }));
  assert.equal(byPid.code, 'permission-denied');
  assert.match(byPid.message, /set-uid/);
  running.go();
  await running.done;

  // A shell of alice's, probed by pid, that then execs the program: counted only when the
  // program is not set-uid (so the probe itself is shown to work).
  const counts = {};
  for (const program of [plain, setuid]) {
    const shell = runAs(alice, program, 40, '/bin/sh');
    const probe = await helper.request('probe/attach', { binary: program, symbol: 'add', filter: { pid: shell.child.pid } });
    assert.ok(probe.result, JSON.stringify(probe));
    shell.go();
    await waitUntil(() => readlinkSync(`/proc/${shell.child.pid}/exe`) === program, `${program} is exec'd`);
    if (program === setuid) assert.equal(procUids(shell.child.pid)[1], 0, 'it runs set-uid root');
    shell.go();
    assert.equal((await shell.done).code, 0);
    counts[path.basename(program)] = (await helper.request('probe/detach', { probe: probe.result.probe })).result.calls;
  }
  assert.deepEqual(counts, { 'plain-target': 40, 'setuid-target': 0 });
  await helper.close();
});

test('P3: a user cannot reach a binary in another user\'s private directory, not even through /proc/PID/exe', { skip: needsRoot }, async () => {
  const bobsDir = path.join(work, 'bob-private');
  mkdirSync(bobsDir, { recursive: true });
  copyFileSync(target, path.join(bobsDir, 'secret-target'));
  chmodSync(path.join(bobsDir, 'secret-target'), 0o755);
  chownSync(bobsDir, bob.uid, bob.gid);
  chmodSync(bobsDir, 0o700);
  const bobs = runAs(bob, path.join(bobsDir, 'secret-target'), 1);
  const mine = runAs(alice, target, 1);
  const { helper } = await helperFor(alice);
  for (const binary of [path.join(bobsDir, 'secret-target'), `/proc/${bobs.child.pid}/exe`]) {
    const denied = errorOf(await helper.request('probe/attach', { binary, symbol: 'add', filter: { pid: mine.child.pid } }));
    assert.equal(denied.code, 'permission-denied', binary);
    assert.match(denied.message, /not readable by uid/);
  }
  const ownExe = await helper.request('probe/attach', { binary: `/proc/${mine.child.pid}/exe`, symbol: 'add', filter: { pid: mine.child.pid } });
  assert.equal(ownExe.result?.binary, target, 'a process of one\'s own may be named by /proc/PID/exe');
  bobs.go();
  mine.go();
  await Promise.all([bobs.done, mine.done]);
  await helper.close();
});

test('a user may not probe processes of others or root\'s, nor list the kernel\'s functions', { skip: needsRoot }, async () => {
  const { helper } = await helperFor(alice);
  const bobs = runAs(bob, target, 1);
  for (const [pid, owner] of [[bobs.child.pid, bob.uid], [process.pid, 0]]) {
    const denied = errorOf(await helper.request('probe/attach', { binary: target, symbol: 'add', filter: { pid } }));
    assert.equal(denied.code, 'permission-denied');
    assert.match(denied.message, new RegExp(`belongs to uid ${owner}, not to uid ${alice.uid}`));
  }
  const catalog = errorOf(await helper.request('probe/kernelCatalog', { filter: 'prepare_kernel_cred' }));
  assert.equal(catalog.code, 'permission-denied');
  assert.match(catalog.message, /only root may use them/);
  bobs.go();
  await bobs.done;
  await helper.close();
});

test('P6: one user may run at most 4 helper sessions; a slot frees when its helper exits', { skip: needsRoot }, async () => {
  const sessions = [];
  for (let i = 0; i < 4; i++) {
    const { helper, init } = await helperFor(alice);
    assert.equal(init.limits.maxSessionsPerUser, 4);
    assert.deepEqual((await helper.request('probe/list', {})).result, { probes: [] }, `session ${i + 1} works`);
    sessions.push(helper);
  }
  const { helper: fifth } = await helperFor(alice);
  const refused = errorOf(await fifth.request('probe/list', {}));
  assert.equal(refused.code, 'limit-reached');
  assert.match(refused.message, new RegExp(`uid ${alice.uid} already has 4 Probe Lens helper sessions`));
  const { helper: bobs } = await helperFor(bob);
  assert.ok((await bobs.request('probe/list', {})).result, 'another user is not affected');
  await sessions.pop().close();
  const { helper: again } = await helperFor(alice);
  assert.ok((await again.request('probe/list', {})).result, 'a slot freed by an exited helper is taken again');
  await closeAllHelpers();
});

test('the CLI for a user who is not root: through sudo, the command\'s own process, exact counts', { skip: needsRoot }, async () => {
  // The CLI bundle and the symbol addon, where the user can read them (the checkout may not be).
  const cliDir = mkdtempSync(path.join(work, 'cli-'));
  chmodSync(cliDir, 0o755);
  for (const file of ['cli.js', 'probe-lens-symbols.node']) copyFileSync(path.join(here, '..', '..', 'out', file), path.join(cliDir, file));
  const loop = path.join(work, 'add-loop');
  execFileSync('gcc', ['-g', '-O0', '-o', loop, path.join(here, '..', 'fixtures', 'add-loop.c')]);
  const run = (target, ...args) => new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(cliDir, 'cli.js'), 'probe', target, ...args, '--', loop, '1000'], {
      uid: alice.uid, gid: alice.gid, cwd: work,
      env: { PATH: '/usr/bin:/bin', HOME: work, PROBE_LENS_HELPER: throughSudo(alice).helperPath, PROBE_LENS_PRIVILEGE: 'sudo' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  const json = await run(`${loop}:add`, '--json');
  assert.equal(json.status, 0, json.stderr);
  const summary = JSON.parse(json.stdout.trim().split('\n').at(-1));
  assert.equal(summary.type, 'summary');
  assert.deepEqual([summary.probes[0].calls, summary.probes[0].returns], [1000, 1000]);
  const human = await run(`${loop}:add`, '--no-events');
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stderr, new RegExp(`probing for uid ${alice.uid}, not root: only the command's own process is probed`));
  // A line probe (a logpoint): the loop's body line, each hit with the variables in scope.
  const source = path.join(here, '..', 'fixtures', 'add-loop.c');
  const line = readFileSync(source, 'utf8').split('\n').findIndex((text) => text.includes('total = add(total, 1);')) + 1;
  const lineRun = await run(`${source}:${line}`, '--line', '--json');
  assert.equal(lineRun.status, 0, lineRun.stderr);
  const lines = lineRun.stdout.trim().split('\n').map((text) => JSON.parse(text));
  assert.equal(lines.at(-1).probes[0].calls, 1000);
  assert.deepEqual(lines.filter((record) => record.type === 'call').slice(0, 3).map((hit) => hit.args.i), [0, 1, 2]);
});
