// The helper against clients that break the protocol and against floods of events (issue 13,
// D1–D5, D7, D8): every request gets an answer, nothing crashes, memory stays bounded.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawHelper, closeAllHelpers, frame } from '../support/raw-helper.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const needsRoot = process.geteuid() !== 0 && 'needs root: the helper must load BPF';
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-robustness-'));
chmodSync(work, 0o755);
const loop = path.join(work, 'add-loop');

afterEach(closeAllHelpers);

before(() => {
  execFileSync('gcc', ['-g', '-O2', '-o', loop, path.join(here, '..', 'fixtures', 'add-loop.c')]);
});

async function started() {
  const helper = new RawHelper();
  await helper.request('initialize', { processId: process.pid });
  return helper;
}

/** A process calling add() as fast as it can, probed with full records: a flood. */
async function flooded(helper) {
  const child = spawn(loop, ['1000000000000'], { stdio: 'ignore' });
  const attached = await helper.request('probe/attach', {
    binary: loop, symbol: 'add', filter: { pid: child.pid },
    capture: { args: [{ name: 'a', location: { register: 'rdi' }, type: 's64' }], ret: 's64' },
  });
  assert.ok(attached.result, JSON.stringify(attached));
  await helper.waitFor((m) => m.method === 'probe/events');
  return child;
}

const rssKb = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

test('D4: an id that is not an integer, a string or null is an invalid request, never a notification', async () => {
  const helper = await started();
  for (const id of [1.5, true, [], { x: 1 }]) {
    helper.writeRaw(frame({ jsonrpc: '2.0', id, method: 'probe/list' }));
    const answer = await helper.waitFor((m) => m.error?.message.includes('"id" must be'));
    assert.equal(answer.id, null);
    assert.equal(answer.error.data.code, 'invalid-request');
    helper.messages.length = 0;
  }
  helper.writeRaw(frame({ jsonrpc: '2.0', id: { x: 1 }, method: 'exit' }));
  const list = await helper.request('probe/list', {});
  assert.ok(list.result ?? list.error, 'the helper did not exit: it still answers');
  await helper.close();
});

test('D5: a frame claiming more bytes than any client sends ends the session with an answer', async () => {
  const helper = await started();
  helper.writeRaw(Buffer.from('Content-Length: 99999999999\r\n\r\n{}'));
  const answer = await helper.waitFor((m) => /refused/.test(m.error?.message ?? ''));
  assert.match(answer.error.message, /99999999999 bytes refused.*closing/);
  assert.deepEqual(await helper.exited, { code: 1, signal: null });
});

test('D3: an error message cut to its limit inside a character is still sent', async () => {
  const helper = await started();
  for (const pad of ['', 'x']) {
    const answer = await helper.request('probe/attach', { binary: `/${pad}${'é'.repeat(300)}`, symbol: 'add' });
    assert.equal(answer.error?.data.code, process.geteuid() === 0 ? 'binary-not-found' : 'no-privilege');
    assert.ok(!answer.error.message.includes('\ufffd'), 'cut between characters, not inside one');
  }
  await helper.close();
});

test('D1: shutdown while records stream never crashes the helper', { skip: needsRoot, timeout: 300_000 }, async () => {
  const child = spawn(loop, ['1000000000000'], { stdio: 'ignore' });
  try {
    for (let run = 0; run < 20; run++) {
      const helper = await started();
      const attached = await helper.request('probe/attach', { binary: loop, symbol: 'add', filter: { pid: child.pid } });
      assert.ok(attached.result, JSON.stringify(attached));
      await helper.waitFor((m) => m.method === 'probe/events');
      assert.equal((await helper.request('shutdown', null)).result, null);
      helper.notify('exit');
      assert.deepEqual(await helper.close(), { code: 0, signal: null }, `run ${run}: ${helper.stderr}`);
    }
  } finally {
    child.kill();
  }
});

test('D7, D8: under a flood, requests are answered between batches and the helper\'s memory stays bounded', { skip: needsRoot, timeout: 120_000 }, async () => {
  const helper = await started();
  const child = await flooded(helper);
  try {
    // A client that stops reading for a while (a CLI whose stdout is a slow pipe): the helper
    // blocks writing, the ring fills up, and the next drain finds it full.
    helper.child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    helper.child.stdout.resume();
    for (let i = 0; i < 5; i++) {
      const list = await helper.request('probe/list', {});
      assert.equal(list.result.probes.length, 1);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const peakKb = rssKb(helper.child.pid, 'VmHWM');
    const events = helper.messages.filter((m) => m.method === 'probe/events');
    const largest = Math.max(...events.map((m) => m.params.events.length));
    assert.ok(largest <= 2 * 4096, `a batch holds at most twice BATCH_LIMIT records, not ${largest}`);
    assert.ok(peakKb < 96 * 1024, `the helper's peak RSS was ${peakKb} kB`);
  } finally {
    child.kill();
    await helper.close();
  }
});
