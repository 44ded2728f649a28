// The extension's pure logic: aggregation of helper notifications, decoration and hover text,
// throttling, anchors that follow edits, the privilege launcher's choice, the call log and its
// exports, the probe manager against a fake helper, the identifier under the cursor, and Show
// Callers: stacks added up over attachments, named only when they change, the Callers view's and
// the hover's exact words; Show Value Distribution: an argument's values added up over attachments
// and since a reset, the probe manager keeping them counted, the hover's line.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decorationText, fastBuildHint, formatCallLine, formatLatencyBound, hoverMarkdown, lineAnnotation, lineProbeText, valuesText } from '../../out/test-core/annotation-text.mjs';
import { AnchorLines, shiftLine } from '../../out/test-core/anchor-lines.mjs';
import { CallLog, csvField, rowMatches, toCsv, toExportRow, toJsonExportRow, toJsonLines } from '../../out/test-core/call-log.mjs';
import { identifierAt, isFollowedByParen } from '../../out/test-core/editor-target.mjs';
import { planHelperLaunch, privilegeFixes } from '../../out/test-core/privilege.mjs';
import { ProbeAggregate } from '../../out/test-core/probe-aggregate.mjs';
import { numberArguments, ProbeManager } from '../../out/test-core/probe-manager.mjs';
import { Throttle } from '../../out/test-core/throttle.mjs';
import { calledFromText, callersModel } from '../../out/test-core/callers.mjs';
import { cachingSymbolize, ProbeStackNames } from '../../out/test-core/stack-names.mjs';
import { nameStacks } from '../../out/test-core/stacks.mjs';

const SHAPE = { args: [{ name: 'item', type: 'string' }, { name: 'quantity', type: 's32' }], ret: 's64' };
const call = (tid, item, quantity, tsNs = 1) => ({ type: 'call', probe: 7, pid: 100, tid, uid: 0, comm: 'orders', tsNs, args: { item, quantity } });
const ret = (tid, value, latencyNs = 20_000) => ({ type: 'return', probe: 7, pid: 100, tid, uid: 0, comm: 'orders', tsNs: 2, ret: value, latencyNs });

/** A probe/stats entry: every record sent unless said otherwise. */
const stats = (counters) => ({ sampledOut: 0, maxRecordsPerSecond: null, returnsUncounted: 0, ...counters });

/** An aggregate of these calls, its clock standing at 2 s (where the tests' counters end). */
function aggregateOf(pairs) {
  let seq = 0;
  const aggregate = new ProbeAggregate(1, SHAPE, () => ++seq, () => 2000);
  for (const [item, quantity, value] of pairs) {
    aggregate.onCall(call(1, item, quantity));
    aggregate.onReturn(ret(1, value));
  }
  return aggregate;
}

describe('ProbeAggregate', () => {
  it('pairs returns with calls per thread, innermost first (recursion)', () => {
    let seq = 0;
    const aggregate = new ProbeAggregate(1, SHAPE, () => ++seq);
    aggregate.onCall(call(1, 'outer', 1));
    aggregate.onCall(call(1, 'inner', 2));
    aggregate.onCall(call(2, 'other', 3));
    assert.equal(aggregate.onReturn(ret(1, 5)).row.args, 'item="inner", quantity=2');
    assert.equal(aggregate.onReturn(ret(1, 6)).row.args, 'item="outer", quantity=1');
    const orphan = aggregate.onReturn(ret(9, 7));
    assert.equal(orphan.isNew, true);
    assert.equal(orphan.row.args, '?');
  });

  it('takes exact counts and the most frequent returns from stats (the kernel\'s), not from the records it was sent', () => {
    const aggregate = aggregateOf([['widget', 3, 750], ['gadget', 1, 1999], ['flange', 0, -1]]);
    let snapshot = aggregate.snapshot();
    assert.deepEqual(snapshot.topReturns, [], 'the records are a sample: no top values from them');
    assert.equal(snapshot.calls, 3);
    const topReturns = [{ value: -1, count: 20 }, { value: 750, count: 10 }, { value: 1999, count: 9 }];
    aggregate.onStats(stats({ probe: 7, calls: 40, returns: 39, dropped: 3, sampledOut: 30, topReturns, latencyHistogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 39] }), 0);
    snapshot = aggregate.snapshot();
    assert.equal(snapshot.calls, 40);
    assert.equal(snapshot.returns, 39);
    assert.equal(snapshot.dropped, 3);
    assert.equal(snapshot.sampledOut, 30);
    assert.equal(snapshot.latency.p50, 32768);
    assert.deepEqual(snapshot.topReturns, [{ value: '-1', count: 20 }, { value: '750', count: 10 }]);
    // Over a pause (a closed attachment) the values add up; a reset starts them from 0.
    aggregate.closeAttachment(undefined);
    aggregate.onStats(stats({ probe: 8, calls: 30, returns: 30, dropped: 0, topReturns: [{ value: 1999, count: 25 }, { value: -1, count: 5 }], latencyHistogram: [] }), 1000);
    assert.deepEqual(aggregate.snapshot(3).topReturns, [{ value: '1999', count: 34 }, { value: '-1', count: 25 }, { value: '750', count: 10 }]);
    aggregate.resetCounts();
    aggregate.onStats(stats({ probe: 8, calls: 31, returns: 31, dropped: 0, returnsUncounted: 1, topReturns: [{ value: 1999, count: 26 }, { value: -1, count: 5 }], latencyHistogram: [] }), 1500);
    assert.deepEqual(aggregate.snapshot().topReturns, [{ value: '1999', count: 1 }]);
    assert.equal(aggregate.snapshot().returnsUncounted, 1);
  });

  it('counts from records only until the kernel\'s counters arrive: then a count never runs ahead of its return values', () => {
    const aggregate = aggregateOf([['widget', 3, 750], ['flange', 0, -1]]);
    assert.equal(aggregate.snapshot().calls, 2);
    aggregate.onStats(stats({ probe: 7, calls: 2, returns: 2, dropped: 0, topReturns: [{ value: 750, count: 1 }, { value: -1, count: 1 }], latencyHistogram: [] }), 0);
    aggregate.onCall(call(1, 'gizmo', 7));
    aggregate.onReturn(ret(1, -1));
    assert.equal(aggregate.snapshot().calls, 2, 'the record is ahead of the counters');
    aggregate.onStats(stats({ probe: 7, calls: 3, returns: 3, dropped: 0, topReturns: [{ value: -1, count: 2 }, { value: 750, count: 1 }], latencyHistogram: [] }), 100);
    assert.equal(aggregate.snapshot().calls, 3);
    assert.deepEqual(aggregate.snapshot().topReturns[0], { value: '-1', count: 2 });
    // A new attachment counts from its records again until its counters arrive.
    aggregate.closeAttachment(undefined);
    aggregate.onCall(call(1, 'gizmo', 7));
    assert.equal(aggregate.snapshot().calls, 4);
  });

  it('carries counts over a closed attachment (pause, helper restart)', () => {
    const aggregate = aggregateOf([]);
    aggregate.onStats(stats({ probe: 7, calls: 10, returns: 10, dropped: 0, latencyHistogram: [0, 10] }), 0);
    aggregate.closeAttachment(undefined);
    aggregate.onStats(stats({ probe: 8, calls: 5, returns: 4, dropped: 1, latencyHistogram: [0, 0, 4] }), 1000);
    assert.deepEqual(aggregate.stats(), stats({ probe: 8, calls: 15, returns: 14, dropped: 1, latencyHistogram: [0, 10, 4] }));
  });

  it('resets counts to 0 while the kernel\'s counters run on, over attachments too', () => {
    const aggregate = aggregateOf([['widget', 3, 750]]);
    aggregate.onStats(stats({ probe: 7, calls: 10, returns: 9, dropped: 2, latencyHistogram: [0, 9] }), 0);
    aggregate.resetCounts();
    assert.deepEqual(aggregate.stats(), stats({ probe: 7, calls: 0, returns: 0, dropped: 0, latencyHistogram: [0, 0] }));
    assert.deepEqual(aggregate.snapshot().topReturns, []);
    assert.deepEqual(aggregate.snapshot().recent, []);
    aggregate.onStats(stats({ probe: 7, calls: 13, returns: 13, dropped: 2, latencyHistogram: [0, 10, 3] }), 1000);
    assert.deepEqual(aggregate.stats(), stats({ probe: 7, calls: 3, returns: 4, dropped: 0, latencyHistogram: [0, 1, 3] }));
    aggregate.closeAttachment(undefined);
    aggregate.onStats(stats(stats({ probe: 8, calls: 2, returns: 2, dropped: 0, latencyHistogram: [] })), 2000);
    assert.equal(aggregate.snapshot().calls, 5);
  });

  it('computes the rate from exact counts over time, falling to 0 when the counts stop', () => {
    let nowMs = 0;
    const aggregate = new ProbeAggregate(1, SHAPE, () => 1, () => nowMs);
    aggregate.onStats(stats(stats({ probe: 7, calls: 0, returns: 0, dropped: 0, latencyHistogram: [] })), 0);
    assert.equal(aggregate.snapshot().ratePerSecond, undefined);
    aggregate.onStats(stats(stats({ probe: 7, calls: 50, returns: 50, dropped: 0, latencyHistogram: [] })), 500);
    aggregate.onStats(stats(stats({ probe: 7, calls: 100, returns: 100, dropped: 0, latencyHistogram: [] })), (nowMs = 1000));
    assert.equal(aggregate.snapshot().ratePerSecond, 100);
    // No counters since (the process exited): the helper sends none, and the rate decays.
    nowMs = 3000;
    assert.equal(aggregate.snapshot().ratePerSecond, 100 / 3);
    nowMs = 9000;
    assert.equal(aggregate.snapshot().ratePerSecond, 0);
    assert.equal(decorationText(aggregate.snapshot()), '  100 calls · 0.0/s');
  });

  it('says records not shown (never "dropped" calls), and a paused probe shows no rate', () => {
    const aggregate = aggregateOf([['widget', 3, 750]]);
    aggregate.onStats(stats(stats({ probe: 7, calls: 1, returns: 1, dropped: 0, latencyHistogram: [] })), 0);
    aggregate.onStats(stats({ probe: 7, calls: 9, returns: 9, dropped: 1, latencyHistogram: [] }), 1000);
    assert.equal(decorationText(aggregate.snapshot(), '{calls} · {rate} · {dropped}'), '  9 calls · 8.0/s · 1 record not shown');
    assert.equal(decorationText(aggregate.snapshot(), '{calls} · {rate}', 'paused'), '  9 calls (paused)');
    const hover = hoverMarkdown({ functionName: 'f', target: 'app:f', state: 'live', snapshot: aggregate.snapshot(), notes: [] });
    assert.match(hover, /9 calls · 9 returns · 1 record not shown \(counts stay exact\)/);
  });

  it('a probe with a condition says how many of its calls matched, carried over a pause; a line probe its hits and last values', () => {
    const aggregate = aggregateOf([]);
    aggregate.onStats(stats({ probe: 7, calls: 15, matched: 6, returns: 6, dropped: 0, latencyHistogram: [] }), 0);
    aggregate.closeAttachment(stats({ probe: 7, calls: 15, matched: 6, returns: 6, dropped: 0, latencyHistogram: [] }));
    aggregate.onStats(stats({ probe: 8, calls: 5, matched: 2, returns: 2, dropped: 0, latencyHistogram: [] }), 0);
    assert.equal(decorationText(aggregate.snapshot(), '{calls}'), '  8 of 20 calls matched');
    assert.match(hoverMarkdown({ functionName: 'f', target: 'app:f if n > 3', state: 'live', snapshot: aggregate.snapshot(), notes: [] }), /8 of 20 calls matched · 8 returns/);
    const line = aggregateOf([['widget', 3, 750], ['gadget', 1, 1999]]);
    assert.match(lineProbeText(line.snapshot(), 'ended'), /^ {2}2 hits · last: item="gadget", quantity=1 \(ended\)$/);
  });

  it('labels the parts of a line several probes share, and stops before the editor\'s edge', () => {
    assert.equal(lineAnnotation([{ label: 'f', text: '  3 calls' }]), '  3 calls');
    assert.equal(lineAnnotation([{ label: 'atoi in main', text: '  3 calls' }, { label: 'atoi in parse', text: '  5 calls' }]), '  atoi in main: 3 calls  |  atoi in parse: 5 calls');
    const long = lineAnnotation([{ label: 'f', text: `  ${'x'.repeat(300)}` }], 40);
    assert.equal(long.length, 40);
    assert.ok(long.endsWith('…'));
  });

  it('a void function\'s calls show no return value', () => {
    const aggregate = new ProbeAggregate(1, { args: [{ name: 'n', type: 's32' }], ret: null }, () => 1);
    aggregate.onCall({ ...call(1, 'x', 1), args: { n: 4 } });
    const { row } = aggregate.onReturn(ret(1, null));
    assert.equal(formatCallLine('tick', row), 'tick(n=4)');
    assert.deepEqual(aggregate.snapshot().topReturns, []);
  });
});

describe('decoration and hover text', () => {
  const aggregate = aggregateOf([['widget', 3, 750], ['flange', 0, -1], ['widget', 3, 750], ['gizmo', 7, -1], ['widget', 3, 750]]);
  aggregate.onStats(stats({ probe: 7, calls: 5, returns: 5, dropped: 0, topReturns: [{ value: 750, count: 3 }, { value: -1, count: 2 }], latencyHistogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1] }), 0);
  aggregate.onStats(stats({ probe: 7, calls: 12, returns: 12, dropped: 0, topReturns: [{ value: 750, count: 3 }, { value: -1, count: 2 }], latencyHistogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11, 0, 1] }), 2000);

  it('reads like the contract example', () => {
    assert.equal(decorationText(aggregate.snapshot()), '  12 calls · 3.5/s · → 750 ×3, -1 ×2 · p50 ≤33 µs · p99 ≤131 µs');
  });

  it('follows the format template, dropping empty parts, and names a non-live state', () => {
    assert.equal(decorationText(aggregate.snapshot(), '{calls} · {dropped} · {p99}'), '  12 calls · p99 ≤131 µs');
    assert.equal(decorationText(aggregate.snapshot(), '{calls}', 'paused'), '  12 calls (paused)');
    assert.equal(decorationText(aggregateOf([]).snapshot()), '  0 calls');
  });

  it('formats latency bounds short', () => {
    assert.equal(formatLatencyBound(512), '≤512 ns');
    assert.equal(formatLatencyBound(2048), '≤2.0 µs');
    assert.equal(formatLatencyBound(1_048_576), '≤1.0 ms');
  });

  it('lists the last calls newest first as name(arg=value) → ret', () => {
    const markdown = hoverMarkdown({ functionName: 'price_order', target: 'orders:price_order', state: 'live', snapshot: aggregate.snapshot(), notes: [] });
    const lines = markdown.split('\n');
    assert.match(lines[0], /\*\*Probe Lens\*\* · `orders:price_order` · live/);
    assert.equal(lines[2], '12 calls · 12 returns · p50 ≤33 µs · p99 ≤131 µs · max ≤131 µs');
    assert.equal(lines[4], 'Most returned: 750 ×3, -1 ×2');
    assert.equal(lines[6], 'Last calls:');
    assert.equal(lines[9], 'price_order(item="widget", quantity=3) → 750');
    assert.equal(lines[10], 'price_order(item="gizmo", quantity=7) → -1');
    // What each hit costs, by the instruction the probe replaces, and how to make it cheap.
    const costly = hoverMarkdown({ functionName: 'f', target: 'app:f', state: 'live', snapshot: aggregate.snapshot(), notes: [], entryCost: 'single-stepped' });
    assert.match(costly.replaceAll('\\', ''), /_Each call costs ~20–30 µs: the kernel single-steps the first instruction\. A 5-byte nop at entry costs ~1\.5 µs: build with clang -fpatchable-function-entry=5/);
    assert.doesNotMatch(markdown, /Each call costs/, 'said only when known');
  });
});

describe('Throttle', () => {
  it('runs at once, then folds requests into one run per interval', () => {
    let now = 0;
    const timers = [];
    const fake = { now: () => now, setTimeout: (fn, ms) => (timers.push({ fn, at: now + ms }), timers.length), clearTimeout: () => undefined };
    let runs = 0;
    const throttle = new Throttle(() => runs++, 100, fake);
    throttle.request();
    assert.equal(runs, 1);
    for (let i = 0; i < 50; i++) throttle.request();
    assert.equal(runs, 1);
    assert.equal(timers.length, 1);
    now = timers[0].at;
    timers[0].fn();
    assert.equal(runs, 2);
    throttle.request();
    assert.equal(runs, 2);
    throttle.flush();
    assert.equal(runs, 3);
  });
});

describe('anchors follow edits', () => {
  it('moves a line by insertions and deletions above it', () => {
    assert.equal(shiftLine(10, { startLine: 2, endLine: 2, newLineBreaks: 3 }), 13);
    assert.equal(shiftLine(10, { startLine: 2, endLine: 5, newLineBreaks: 0 }), 7);
    assert.equal(shiftLine(10, { startLine: 12, endLine: 12, newLineBreaks: 4 }), 10);
    assert.equal(shiftLine(10, { startLine: 10, endLine: 10, newLineBreaks: 0 }), 10);
    const anchors = new AnchorLines();
    assert.equal(anchors.apply('/a.c', [25], [{ startLine: 0, endLine: 0, newLineBreaks: 2 }]), true);
    assert.equal(anchors.current('/a.c', 25), 27);
    anchors.reset('/a.c');
    assert.equal(anchors.current('/a.c', 25), 25);
  });
});

describe('privilege launcher', () => {
  const facts = { isRoot: false, helperHasCapabilities: false, sudoWithoutPassword: false, pkexecPath: '/usr/bin/pkexec', graphicalSession: false };
  it('auto: root or capabilities run directly, then sudo -n, then pkexec with a graphical session', () => {
    assert.equal(planHelperLaunch('auto', '/h', { ...facts, isRoot: true }).via, 'direct');
    assert.equal(planHelperLaunch('auto', '/h', { ...facts, helperHasCapabilities: true }).via, 'direct');
    assert.deepEqual(planHelperLaunch('auto', '/h', { ...facts, sudoWithoutPassword: true }).args, ['-n', '--', '/h']);
    assert.deepEqual(planHelperLaunch('auto', '/h', { ...facts, graphicalSession: true }), { via: 'pkexec', command: '/usr/bin/pkexec', args: ['/h'], why: 'pkexec can ask for the password in this graphical session' });
    assert.match(planHelperLaunch('auto', '/h', facts).why, /no way to gain privilege was found/);
  });
  it('explicit settings are obeyed, and the fixes name the helper', () => {
    assert.equal(planHelperLaunch('sudo', '/h', { ...facts, isRoot: true }).via, 'sudo');
    assert.equal(planHelperLaunch('pkexec', '/h', facts).command, '/usr/bin/pkexec');
    const fixes = privilegeFixes('/h', '/p.policy').join('\n');
    assert.match(fixes, /setcap cap_bpf,cap_perfmon\+ep \/h\n/);
    // sudo and pkexec only ever run a root-owned copy, never the one the user could replace.
    assert.match(fixes, /install -D -o root -g root -m 755 \/h \/usr\/local\/libexec\/probe-lens\/probe-lens-helper\)/);
    assert.match(fixes, /NOPASSWD: \/usr\/local\/libexec\/probe-lens\/probe-lens-helper\)/);
    assert.match(fixes, /sed 's#@HELPER_PATH@#\/usr\/local\/libexec\/probe-lens\/probe-lens-helper#' \/p\.policy/);
    assert.doesNotMatch(fixes, /NOPASSWD: \/h\b|#\/h#/);
  });
});

describe('call log and export', () => {
  const row = (seq, probeId, args, retValue) => ({ seq, probeId, tsNs: seq * 10, pid: 100 + probeId, tid: 1, comm: 'orders', args, ret: retValue, latencyNs: 5 });
  it('keeps the newest rows, counting the evicted and the over-budget ones', () => {
    const log = new CallLog(3, 2);
    for (let i = 1; i <= 5; i++) log.push(row(i, 1, `n=${i}`, '0'));
    assert.deepEqual(log.all().map((r) => r.seq), [3, 4, 5]);
    assert.equal(log.evicted, 2);
    assert.equal(log.admit(0), true);
    assert.equal(log.admit(10), true);
    assert.equal(log.admit(20), false);
    assert.equal(log.admit(1500), true);
    assert.equal(log.overBudget, 1);
  });
  it('filters by probe, pid and text', () => {
    const r = row(1, 2, 'item="widget"', '750');
    assert.equal(rowMatches(r, { probeId: 2, pid: 102, text: 'WIDGET' }), true);
    assert.equal(rowMatches(r, { text: '750' }), true);
    assert.equal(rowMatches(r, { probeId: 1 }), false);
    assert.equal(rowMatches(r, { pid: 1 }), false);
  });
  it('exports JSON lines with values as JSON, and RFC 4180 CSV with the text shown', () => {
    const rows = [toExportRow(row(1, 1, 'item="a,b"', '750'), 'orders:price_order'), toExportRow({ ...row(2, 1, 'x=1'), ret: undefined }, 'orders:price_order')];
    assert.equal(toCsv(rows), 'probe,time_ns,pid,tid,comm,args,ret,latency_ns\r\norders:price_order,10,101,1,orders,"item=""a,b""",750,5\r\norders:price_order,20,101,1,orders,x=1,,5\r\n');
    assert.equal(csvField(null), '');
  });
  it('exports structured arguments and return values, 64-bit values exact, what a pointer points to by field', () => {
    let seq = 0;
    const capture = {
      args: [{ name: 'key', type: 'ptr' }, { name: 'big', type: 'u64' }, { name: 'n', type: 's32' }],
      ret: 's64',
      layouts: { key: { typeName: 'MDB_val', textAt: null, lengthAt: null, textOnly: false, fields: [{ name: 'mv_size', offset: 0, type: 'u64' }] } },
    };
    const aggregate = new ProbeAggregate(1, capture, () => ++seq);
    const bytes = '0900000000000000';
    const called = aggregate.onCall({ ...call(1, '', 0), args: { key: { address: '0x7ffd1000', bytes, text: '' }, big: '18446744073709551615', n: -3 } });
    aggregate.onReturn(ret(1, '-9007199254740993'));
    const exported = toJsonExportRow(called, 'db:mdb_put', capture);
    assert.deepEqual(exported.args.big, '18446744073709551615');
    assert.equal(exported.args.n, -3);
    assert.equal(exported.ret, '-9007199254740993');
    assert.equal(exported.args.key.fields.mv_size, 9);
    const orphan = aggregate.onReturn(ret(5, 4));
    assert.deepEqual([toJsonExportRow(orphan.row, 'db:mdb_put').args, toJsonExportRow(orphan.row, 'db:mdb_put').ret], [null, 4]);
    assert.match(toJsonLines([exported]), /^\{"probe":"db:mdb_put","time_ns":1,"pid":100,"tid":1,"comm":"orders","args":\{"key":\{.*"mv_size":9.*\},"big":"18446744073709551615","n":-3\},"ret":"-9007199254740993","latency_ns":20000\}\n$/);
  });
});

describe('the hint for a cheaper build', () => {
  const measured = { nsPerHit: { optimized: 500, emulated: 700, 'single-stepped': 10_000 }, nop5Optimized: true, calls: 2000 };

  it('speaks only for a single-stepped probe taking at least 5% of a core, with this machine\'s figures', () => {
    assert.equal(fastBuildHint('price_order', 'single-stepped', 4_000, measured), undefined, '4,000 × 10 µs: 4% of a core');
    assert.equal(fastBuildHint('price_order', 'optimized', 1_000_000, measured), undefined);
    assert.equal(fastBuildHint('price_order', 'single-stepped', undefined, measured), undefined);
    assert.equal(fastBuildHint('price_order', 'single-stepped', 20_000, measured),
      'price_order runs 20,000 times a second, and each probed call costs ~10.0 µs here (its first instruction is single-stepped): about 20% of a core. ' +
      'Built with clang -fpatchable-function-entry=5 (or gcc -pg -mfentry -mnop-mcount, without PIE), each would cost ~500 ns.');
    assert.match(fastBuildHint('f', 'single-stepped', 20_000, { ...measured, nop5Optimized: false }), /~500 ns \(emulated: this kernel does not turn the nop into a call\)\.$/);
    assert.match(fastBuildHint('f', 'single-stepped', 5_000, undefined), /~20.0 µs here.*about 10% of a core.*~1\.5 µs\.$/, 'unmeasured: the usual figures');
  });
});

describe('ProbeManager against a fake helper', () => {
  function fakeHelper(uid = 0) {
    let next = 1;
    const attached = [];
    const detached = [];
    const client = {
      attach: async (params) => (attached.push(params), { probe: next++, kind: 'uprobe', retprobe: true, attachMs: 1 }),
      detach: async (probe) => (detached.push(probe), stats({ probe, calls: 3, returns: 3, dropped: 0, latencyHistogram: [] })),
    };
    return { access: { client: async () => client, requestingUid: async () => uid }, attached, detached };
  }
  const spec = { target: 'orders:price_order', functionName: 'price_order', attach: { binary: '/b', symbol: 'price_order', capture: { args: [], ret: 's64' } }, capture: { args: [], ret: 's64' }, notes: [] };

  it('routes events by the helper id, and re-attaches after a helper restart keeping counts', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    const entry = await manager.add(spec);
    assert.equal(entry.state, 'live');
    manager.handleEvents({ events: [{ ...call(1, 'w', 1), probe: 1, args: {} }, { ...ret(1, 750), probe: 1 }] });
    manager.handleStats({ probes: [stats({ probe: 1, calls: 4, returns: 4, dropped: 0, latencyHistogram: [] })] });
    assert.equal(entry.aggregate.snapshot().calls, 4);
    assert.equal(manager.log.size, 1);
    manager.sessionLost('the helper stopped');
    assert.equal(entry.state, 'attaching');
    await manager.sessionStarted();
    assert.equal(entry.state, 'live');
    assert.equal(entry.result.probe, 2);
    manager.handleStats({ probes: [stats({ probe: 2, calls: 1, returns: 1, dropped: 0, latencyHistogram: [] })] });
    assert.equal(entry.aggregate.snapshot().calls, 5);
  });

  it('retargets a probe whose attach is still under way once it lands (Run with Probes right after Probe This Line)', async () => {
    const helper = fakeHelper();
    const client = await helper.access.client();
    const attach = client.attach;
    let landSlowly;
    client.attach = (params) => new Promise((resolve) => (landSlowly = () => resolve(attach(params))));
    const manager = new ProbeManager(helper.access, () => 0);
    const adding = manager.add(spec);
    await new Promise((resolve) => setImmediate(resolve));
    const entry = manager.list()[0];
    assert.equal(entry.state, 'attaching');
    client.attach = attach;
    const retargeting = manager.retarget([entry.id], { pid: 42, descendants: true, fromExec: true });
    landSlowly();
    await Promise.all([adding, retargeting]);
    assert.deepEqual(helper.attached.map((params) => params.filter), [undefined, { pid: 42, descendants: true, fromExec: true }]);
    assert.deepEqual(helper.detached, [1], 'the first attach, unaimed, detached');
    assert.equal(entry.result.probe, 2);
  });

  it('pauses (detach, counts kept), resumes, retargets and ends', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    const entry = await manager.add(spec);
    await manager.pause(entry.id);
    assert.equal(entry.state, 'paused');
    assert.equal(entry.aggregate.snapshot().calls, 3);
    await manager.resume(entry.id);
    await manager.retarget([entry.id], { pid: 42, descendants: true, fromExec: true });
    assert.deepEqual(helper.attached.at(-1).filter, { pid: 42, descendants: true, fromExec: true });
    manager.handleEnded({ probe: entry.result.probe, reason: 'process-exited', message: 'process 42 exited', stats: stats({ probe: 3, calls: 2, returns: 2, dropped: 0, latencyHistogram: [] }) });
    assert.equal(entry.state, 'ended');
    assert.equal(entry.aggregate.snapshot().calls, 8);
    await manager.detach(entry.id);
    assert.deepEqual(manager.list(), []);
  });

  it('Restart Helper keeps every probe and its exact counts, and attaches it again', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    const entry = await manager.add(spec);
    const paused = await manager.add({ ...spec, target: 'orders:other' });
    await manager.pause(paused.id);
    await manager.holdForRestart('the helper is restarting');
    assert.deepEqual(helper.detached, [2, 1], 'detached for their final counts');
    assert.equal(entry.state, 'attaching');
    assert.equal(entry.aggregate.snapshot().calls, 3);
    await manager.sessionStarted();
    assert.equal(entry.state, 'live');
    assert.equal(entry.result.probe, 3);
    assert.equal(paused.state, 'paused', 'a paused probe stays paused');
    manager.handleStats({ probes: [stats({ probe: 3, calls: 2, returns: 2, dropped: 0, latencyHistogram: [] })] });
    assert.equal(entry.aggregate.snapshot().calls, 5, 'counts go on from where they were');
  });

  it('attaches a probe once when two re-attaches race (a restart), so no call counts twice', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    const entry = await manager.add(spec);
    manager.sessionLost('the helper stopped');
    await Promise.all([manager.sessionStarted(), manager.sessionStarted(), manager.resume(entry.id)]);
    assert.equal(helper.attached.length, 2, 'the first attach and one re-attach');
    assert.equal(entry.state, 'live');
  });

  it('attaches many functions of one binary in one request, keeps the one that failed in error, detaches all in one', async () => {
    const helper = fakeHelper();
    const requests = [];
    let detachedTogether = [];
    const client = await helper.access.client();
    client.attachFunctions = async (params) => {
      requests.push(params);
      return {
        probes: params.functions.filter((fn) => fn.symbol !== 'gone').map((fn, i) => ({ probe: 100 + i, kind: 'uprobe', retprobe: true, attachMs: 1, symbol: fn.symbol })),
        failed: params.functions.flatMap((fn, index) => (fn.symbol === 'gone' ? [{ index, symbol: 'gone', code: 'symbol-not-found', message: "no function 'gone'" }] : [])),
        links: 'uprobe_multi', linksReason: null, attachMs: 2,
      };
    };
    client.detachMany = async (probes) => ((detachedTogether = probes), probes.map((probe) => stats({ probe, calls: probe, returns: probe, dropped: 0, latencyHistogram: [] })));
    const manager = new ProbeManager(helper.access, () => 0);
    const specFor = (name) => ({ ...spec, target: `orders:${name}`, functionName: name, attach: { binary: '/b', symbol: name, capture: { args: [] } } });
    const entries = await manager.addMany([specFor('a'), specFor('gone'), specFor('b'), { ...specFor('lib'), attach: { binary: '/libc', symbol: 'lib' } }]);
    assert.equal(requests.length, 1, 'the functions of /b in one request');
    assert.deepEqual(requests[0].functions.map((fn) => fn.symbol), ['a', 'gone', 'b']);
    assert.equal(requests[0].maxRecordsPerSecond, 50);
    assert.deepEqual(helper.attached.map((params) => params.symbol), ['lib'], 'the only function of /libc alone');
    assert.deepEqual(entries.map((entry) => [entry.state, entry.result?.probe]), [['live', 100], ['error', undefined], ['live', 101], ['live', 1]]);
    assert.equal(entries[1].reason, "no function 'gone'");
    await manager.detachAll();
    assert.deepEqual(detachedTogether, [100, 101, 1]);
    assert.deepEqual(manager.list(), []);
    assert.deepEqual(entries.map((entry) => entry.aggregate.snapshot().calls), [100, 0, 101, 1], 'each keeps its final count');
  });

  it('keeps a refused probe in error with the reason', async () => {
    const manager = new ProbeManager({ client: async () => ({ attach: async () => { throw new Error('symbol not found'); } }), requestingUid: async () => 0 });
    await assert.rejects(manager.add(spec), /symbol not found/);
    assert.equal(manager.list()[0].state, 'error');
    assert.equal(manager.list()[0].reason, 'symbol not found');
  });
});

describe('ProbeManager: which processes a probe counts', () => {
  const running = new Map();
  const processesOf = (program) => running.get(program) ?? [];
  const binarySpec = { target: '/b:f', functionName: 'f', attach: { binary: '/b', symbol: 'f' }, notes: [] };
  const librarySpec = { target: 'libc:printf', functionName: 'printf', attach: { binary: '/libc.so.6', symbol: 'printf' }, program: '/app', notes: [] };
  const fake = (uid) => {
    const attached = [];
    let next = 1;
    const client = { attach: async (params) => (attached.push(params), { probe: next++, kind: 'uprobe', retprobe: true, attachMs: 1 }) };
    return { access: { client: async () => client, requestingUid: async () => uid }, attached };
  };

  it('root: every process, or a library call\'s program and what it starts', async () => {
    const helper = fake(0);
    const manager = new ProbeManager(helper.access, () => 0, processesOf);
    running.set('/app', [300, 200]);
    await manager.add(binarySpec);
    await manager.add(librarySpec);
    assert.deepEqual(helper.attached.map((params) => params.filter), [undefined, { pid: 300, descendants: true }]);
    assert.deepEqual(await manager.commandFilter(7), { pid: 7, descendants: true, fromExec: true });
  });

  it('a user who is not root: the newest process running the binary, never every process', async () => {
    const helper = fake(1000);
    const manager = new ProbeManager(helper.access, () => 0, processesOf);
    running.set('/b', []);
    await assert.rejects(manager.add(binarySpec), (error) => error.code === 'not-running' && /b is not running.*uid 1000, not root.*Run with Probes.*Resume/.test(error.message));
    const entry = manager.list()[0];
    assert.equal(entry.state, 'error');
    assert.equal(helper.attached.length, 0, 'nothing asked of the helper without a process');
    running.set('/b', [500, 400]);
    await manager.resume(entry.id);
    assert.equal(entry.state, 'live');
    assert.deepEqual(helper.attached.at(-1).filter, { pid: 500, descendants: false });
    running.set('/app', [600]);
    await manager.add(librarySpec);
    assert.deepEqual(helper.attached.at(-1).filter, { pid: 600, descendants: false });
    assert.deepEqual(await manager.commandFilter(7), { pid: 7, descendants: false, fromExec: true });
  });
});

describe('identifier under the cursor', () => {
  it('finds the word and whether it is called', () => {
    const line = '\t\t\t\tprintf("round %d", round);';
    assert.deepEqual(identifierAt(line, 6), { word: 'printf', start: 4, end: 10 });
    assert.equal(isFollowedByParen(line, 10), true);
    assert.deepEqual(identifierAt('long price_order(', 16), { word: 'price_order', start: 5, end: 16 });
    assert.equal(identifierAt('  (x) ', 0), undefined);
    assert.equal(identifierAt('42', 1), undefined);
  });
});

// Show Callers on the stack-callers fixture's leaf: frame 0 is leaf itself; a caller's frame is
// its return address, named by the call one byte before it.
const BIN = '/w/build/sc';
const SRC = '/w/stack-callers.c';
const at = (offset) => ({ object: BIN, offset });
const F = { leaf: at(0x1149), viaA: at(0x1180), viaB: at(0x11a0), down: at(0x11c0), downDown: at(0x11e0), mainA: at(0x1200), mainB: at(0x1210), mainDown: at(0x1220) };
const SOURCE_OF = {
  0x1149: [{ function: 'leaf', file: SRC, line: 15, inlined: false }],
  0x117f: [{ function: 'via_a', file: SRC, line: 24, inlined: false }],
  0x119f: [{ function: 'via_b', file: SRC, line: 33, inlined: false }],
  0x11bf: [{ function: 'down', file: SRC, line: 43, inlined: false }],
  0x11df: [{ function: 'down', file: SRC, line: 44, inlined: false }],
  0x11ff: [{ function: 'main', file: SRC, line: 54, inlined: false }],
  0x120f: [{ function: 'main', file: SRC, line: 55, inlined: false }],
  0x121f: [{ function: 'main', file: SRC, line: 56, inlined: false }],
};
const symbolizeFixture = async (binary, offsets) => offsets.map((offset) => (binary === BIN ? (SOURCE_OF[offset] ?? []) : []));
const LEAF_STACKS = {
  counted: 9,
  distinct: 3,
  untallied: 0,
  uncounted: 0,
  top: [
    { count: 5, frames: [F.leaf, F.viaB, F.mainB] },
    { count: 3, frames: [F.leaf, F.viaA, F.mainA] },
    { count: 1, frames: [F.leaf, F.down, F.downDown, F.downDown, F.downDown, F.mainDown] },
  ],
  callers: [{ count: 5, frame: F.viaB }, { count: 3, frame: F.viaA }, { count: 1, frame: F.down }],
};
const callerCounts = (stacks) => stacks.callers.map(({ count, frame }) => [frame.offset, count]);

describe('Show Callers: stacks over attachments', () => {
  it('takes the kernel\'s counted stacks, and changes their version only when they change', () => {
    const aggregate = new ProbeAggregate(1, SHAPE, () => 1, () => 0);
    assert.equal(aggregate.stacks(), undefined, 'none before stacks are counted');
    aggregate.onStats(stats({ probe: 7, calls: 9, returns: 9, dropped: 0, latencyHistogram: [], stacks: LEAF_STACKS }), 0);
    assert.deepEqual(aggregate.stacks(), LEAF_STACKS);
    const version = aggregate.stacksVersion;
    aggregate.onStats(stats({ probe: 7, calls: 9, returns: 9, dropped: 0, latencyHistogram: [], stacks: structuredClone(LEAF_STACKS) }), 0);
    assert.equal(aggregate.stacksVersion, version, 'the same stacks again: nothing to name again');
  });

  it('adds attachments up by caller and by stack, and counts from 0 after a reset', () => {
    const aggregate = new ProbeAggregate(1, SHAPE, () => 1, () => 0);
    aggregate.onStats(stats({ probe: 7, calls: 9, returns: 9, dropped: 0, latencyHistogram: [], stacks: LEAF_STACKS }), 0);
    // Paused: the detach answer's stacks are final; the next attachment counts from 0.
    aggregate.closeAttachment(stats({ probe: 7, calls: 9, returns: 9, dropped: 0, latencyHistogram: [], stacks: LEAF_STACKS }));
    const second = { counted: 3, distinct: 1, untallied: 1, uncounted: 0, top: [{ count: 3, frames: [F.leaf, F.viaA, F.mainA] }], callers: [{ count: 3, frame: F.viaA }] };
    aggregate.onStats(stats({ probe: 8, calls: 4, returns: 4, dropped: 0, latencyHistogram: [], stacks: second }), 0);
    let total = aggregate.stacks();
    assert.deepEqual([total.counted, total.untallied], [12, 1]);
    assert.deepEqual(callerCounts(total), [[0x11a0, 5], [0x1180, 6], [0x11c0, 1]].sort((x, y) => y[1] - x[1]));
    assert.deepEqual(total.top.map((stack) => [stack.frames[1].offset, stack.count]), [[0x1180, 6], [0x11a0, 5], [0x11c0, 1]]);
    aggregate.resetCounts();
    total = aggregate.stacks();
    assert.deepEqual([total.counted, total.top, total.callers], [0, [], []], 'nothing since the reset');
    aggregate.onStats(stats({ probe: 8, calls: 6, returns: 6, dropped: 0, latencyHistogram: [], stacks: { ...second, counted: 5, callers: [{ count: 3, frame: F.viaA }, { count: 2, frame: F.viaB }], top: [...second.top, { count: 2, frames: [F.leaf, F.viaB, F.mainB] }] } }), 0);
    total = aggregate.stacks();
    assert.equal(total.counted, 2);
    assert.deepEqual(callerCounts(total), [[0x11a0, 2]], 'only via_b called since the reset');
  });
});

describe('Show Callers: a call\'s stack', () => {
  it('rows keep their call\'s stack, one copy of each distinct stack shared by them', () => {
    let seq = 0;
    const aggregate = new ProbeAggregate(1, { args: [{ name: 'x', type: 's32' }], ret: 's32' }, () => ++seq);
    const withStack = (x, frames) => ({ ...call(1, 'w', 1), args: { x }, stack: structuredClone(frames) });
    const first = aggregate.onCall(withStack(4, [F.leaf, F.viaB, F.mainB]));
    const second = aggregate.onCall(withStack(3, [F.leaf, F.viaB, F.mainB]));
    const other = aggregate.onCall(withStack(2, [F.leaf, F.viaA, F.mainA]));
    assert.deepEqual(first.stack, [F.leaf, F.viaB, F.mainB]);
    assert.equal(second.stack, first.stack, 'the same stack: the same array');
    assert.notEqual(other.stack, first.stack);
    assert.equal(aggregate.onCall({ ...call(1, 'w', 1), args: { x: 1 } }).stack, undefined);
  });
});

describe('Show Callers: the probe manager', () => {
  function fakeHelper() {
    let next = 1;
    const attached = [];
    const client = {
      attach: async (params) => (attached.push(params), { probe: next++, kind: 'uprobe', retprobe: true, attachMs: 1, binary: params.binary, ...(params.stacks ? { stacks: { depth: 32, framePointers: true, caller: 'kernel' } } : {}) }),
      detach: async (probe) => stats({ probe, calls: 3, returns: 3, dropped: 0, latencyHistogram: [] }),
      attachFunctions: async (params) => {
        attached.push(params);
        return { probes: params.functions.map((fn) => ({ probe: next++, kind: 'uprobe', retprobe: true, attachMs: 1, symbol: fn.symbol })), failed: [], links: 'uprobe_multi', linksReason: null, attachMs: 1 };
      },
    };
    return { access: { client: async () => client, requestingUid: async () => 0 }, attached };
  }
  // A fresh spec each time: Show Callers marks the probe's own spec.
  const leafSpec = () => ({ target: 'sc:leaf', functionName: 'leaf', attach: { binary: BIN, symbol: 'leaf' }, notes: [] });

  it('attaches a live probe again with stacks, its counts carried over; every later attach keeps them on', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    const entry = await manager.add(leafSpec());
    assert.equal(helper.attached[0].stacks, undefined);
    await manager.countCallers(entry.id);
    assert.equal(entry.state, 'live');
    assert.equal(helper.attached.length, 2);
    assert.equal(helper.attached[1].stacks, true);
    assert.deepEqual(entry.result.stacks, { depth: 32, framePointers: true, caller: 'kernel' });
    assert.equal(entry.aggregate.snapshot().calls, 3, 'the first attachment\'s calls are kept');
    await manager.countCallers(entry.id);
    assert.equal(helper.attached.length, 2, 'already counting callers: not attached again');
    await manager.retarget([entry.id], { pid: 42, descendants: true, fromExec: true });
    assert.equal(helper.attached.at(-1).stacks, true, 'Run with Probes re-aims it with stacks');
    await manager.pause(entry.id);
    await manager.resume(entry.id);
    assert.equal(helper.attached.at(-1).stacks, true);
  });

  it('a paused probe takes stacks at its next attach; kernel and line probes are refused', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    const entry = await manager.add(leafSpec());
    await manager.pause(entry.id);
    await manager.countCallers(entry.id);
    assert.equal(entry.state, 'paused');
    assert.equal(helper.attached.length, 1);
    await manager.resume(entry.id);
    assert.equal(helper.attached.at(-1).stacks, true);
    const kernel = await manager.add({ target: 'kernel:vfs_read', functionName: 'vfs_read', attach: { kernelFunction: 'vfs_read' }, notes: [] });
    await assert.rejects(manager.countCallers(kernel.id), /kernel probe: callers are counted for functions of a program or library/);
    const line = await manager.add({ ...leafSpec(), target: 'stack-callers.c:33', line: true, attach: { binary: BIN, offset: 0x1190 } });
    await assert.rejects(manager.countCallers(line.id), /probes a line/);
  });

  it('attaches a probe with stacks alone, not in the binary\'s shared request', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    await manager.addMany([{ ...leafSpec(), stacks: true }, { ...leafSpec(), target: 'sc:via_a', attach: { binary: BIN, symbol: 'via_a' } }, { ...leafSpec(), target: 'sc:via_b', attach: { binary: BIN, symbol: 'via_b' } }]);
    assert.deepEqual(helper.attached.map((params) => (params.functions === undefined ? [params.symbol, params.stacks] : params.functions.map((fn) => fn.symbol))), [['leaf', true], ['via_a', 'via_b']]);
  });
});

describe('Show Callers: names, only when the stacks change', () => {
  it('asks the addon once per file for offsets not named before, again when the file changed', async () => {
    const asked = [];
    let mtime = 1;
    const cached = cachingSymbolize(async (binary, offsets) => (asked.push([binary, offsets]), symbolizeFixture(binary, offsets)), () => mtime);
    assert.deepEqual(await cached(BIN, [0x1149, 0x117f]), [SOURCE_OF[0x1149], SOURCE_OF[0x117f]]);
    assert.deepEqual(await cached(BIN, [0x117f, 0x119f, 0x1149]), [SOURCE_OF[0x117f], SOURCE_OF[0x119f], SOURCE_OF[0x1149]]);
    assert.deepEqual(asked, [[BIN, [0x1149, 0x117f]], [BIN, [0x119f]]]);
    mtime = 2;
    await cached(BIN, [0x1149]);
    assert.deepEqual(asked.at(-1), [BIN, [0x1149]], 'rebuilt: named again');
  });

  it('names a probe\'s stacks when its counts change, never on stats that bring nothing new', async () => {
    const asked = [];
    const client = { attach: async (params) => ({ probe: 1, kind: 'uprobe', retprobe: true, attachMs: 1, binary: params.binary }), detach: async () => undefined };
    const manager = new ProbeManager({ client: async () => client, requestingUid: async () => 0 }, () => 0);
    const names = new ProbeStackNames(manager, async (binary, offsets) => (asked.push(offsets.length), symbolizeFixture(binary, offsets)), () => 1);
    let changes = 0;
    names.onDidChange.event(() => changes++);
    const entry = await manager.add({ target: 'sc:leaf', functionName: 'leaf', attach: { binary: BIN, symbol: 'leaf' }, notes: [], stacks: true });
    await names.refresh();
    assert.equal(names.get(entry.id), undefined);
    assert.equal(changes, 0);
    manager.handleStats({ probes: [stats({ probe: 1, calls: 9, returns: 9, dropped: 0, latencyHistogram: [], stacks: LEAF_STACKS })] });
    await names.refresh();
    assert.equal(changes, 1);
    assert.deepEqual(asked, [8], 'every distinct frame once: leaf, three callers, down from down, main three times');
    assert.deepEqual(names.get(entry.id).callers.map(({ count, frame }) => [frame.source[0].function, frame.source[0].line, count]), [['via_b', 33, 5], ['via_a', 24, 3], ['down', 43, 1]]);
    manager.handleStats({ probes: [stats({ probe: 1, calls: 9, returns: 9, dropped: 0, latencyHistogram: [], stacks: structuredClone(LEAF_STACKS) })] });
    await names.refresh();
    assert.deepEqual([changes, asked.length], [1, 1], 'nothing new: not named again');
    const more = structuredClone(LEAF_STACKS);
    more.counted = 10;
    more.callers[0].count = 6;
    more.top[0].count = 6;
    manager.handleStats({ probes: [stats({ probe: 1, calls: 10, returns: 10, dropped: 0, latencyHistogram: [], stacks: more })] });
    await names.refresh();
    assert.deepEqual([changes, asked.length], [2, 1], 'new counts of the same frames: named from the cache');
    assert.deepEqual(names.get(entry.id).callers[0].count, 6);
    const [named] = [await names.nameStack([F.leaf, F.viaB, { address: '0x7f0000001000' }])];
    assert.deepEqual(named.map((frame) => frame.source[0]?.function ?? frame.address), ['leaf', 'via_b', '0x7f0000001000']);
    assert.equal(asked.length, 1, 'a call\'s stack of known frames: from the cache too');
  });
});

describe('Show Callers: what the Callers view and the hover say', () => {
  it('each caller with its exact count, share and line; the stacks through it, frame by frame', async () => {
    const named = await nameStacks(LEAF_STACKS, symbolizeFixture);
    const model = callersModel({ functionName: 'leaf', state: 'ended', calls: 9, named, depth: { depth: 32, framePointers: true, caller: 'kernel' }, binary: BIN });
    assert.equal(model.label, 'leaf');
    assert.equal(model.description, '9 calls by stack · exact · ended');
    assert.deepEqual(model.notes, []);
    assert.deepEqual(model.callers.map((caller) => [caller.label, caller.description, caller.location]), [
      ['via_b', '×5 · 56% · stack-callers.c:33', { file: SRC, line: 33 }],
      ['via_a', '×3 · 33% · stack-callers.c:24', { file: SRC, line: 24 }],
      ['down', '×1 · 11% · stack-callers.c:43', { file: SRC, line: 43 }],
    ]);
    assert.deepEqual(model.callers.map((caller) => caller.stacks.map((stack) => [stack.label, stack.description])), [
      [['×5', 'via_b ← main']],
      [['×3', 'via_a ← main']],
      [['×1', 'down ← down ← down ← down ← main']],
    ]);
    assert.deepEqual(model.callers[2].stacks[0].frames.map((frame) => `${frame.label} ${frame.description}`), [
      'leaf stack-callers.c:15', 'down stack-callers.c:43', 'down stack-callers.c:44', 'down stack-callers.c:44', 'down stack-callers.c:44', 'main stack-callers.c:56',
    ]);
    assert.deepEqual(model.callers.map((caller) => caller.unlisted), [0, 0, 0]);
  });

  it('says when stacks stop at the caller, and which calls were not counted by stack', async () => {
    const shallow = { ...LEAF_STACKS, counted: 7, uncounted: 1, untallied: 1, top: LEAF_STACKS.top.map((stack) => ({ ...stack, frames: stack.frames.slice(0, 2) })).slice(0, 2) };
    const named = await nameStacks(shallow, symbolizeFixture);
    const model = callersModel({ functionName: 'leaf', state: 'live', calls: 12, named, depth: { depth: 2, framePointers: false, caller: 'kernel' }, binary: BIN });
    assert.deepEqual(model.notes.map((note) => [note.text, note.warning]), [
      ['Stacks stop at the caller: sc keeps no frame pointers to walk further (build with -fno-omit-frame-pointer for whole stacks).', true],
      ['2 calls were not counted by stack (no room in the kernel\'s map, or no stack could be read).', true],
      ['3 calls were counted before callers were asked for: not by stack.', false],
    ]);
    assert.equal(model.callers[2].unlisted, 1, 'down\'s stack is not among those sent');
    const none = callersModel({ functionName: 'leaf', state: 'live', calls: 0, named: undefined });
    assert.deepEqual([none.description, none.notes.map((note) => note.text)], ['callers', ['No call counted by stack yet: run the program (Run with Probes).']]);
    const paused = callersModel({ functionName: 'leaf', state: 'paused', calls: 0, named: undefined });
    assert.deepEqual(paused.notes.map((note) => note.text), ['Callers are counted from the probe\'s next attach: Run with Probes, or Resume it.']);
  });

  it('the hover lists the top callers with their lines', async () => {
    const named = await nameStacks(LEAF_STACKS, symbolizeFixture);
    assert.equal(calledFromText(named), 'Called from via_b ×5 (stack-callers.c:33), via_a ×3 (stack-callers.c:24), down ×1 (stack-callers.c:43)');
    assert.equal(calledFromText(named, 2), 'Called from via_b ×5 (stack-callers.c:33), via_a ×3 (stack-callers.c:24), and 1 other caller');
    assert.equal(calledFromText({ ...named, uncounted: 2 }, 1), 'Called from via_b ×5 (stack-callers.c:33), and 2 other callers (2 calls not counted by stack)');
    const hover = hoverMarkdown({ functionName: 'leaf', target: 'sc:leaf', state: 'live', snapshot: aggregateOf([]).snapshot(), notes: [], callers: named });
    assert.ok(hover.endsWith('\n\nCalled from via\\_b ×5 \\(stack\\-callers\\.c:33\\), via\\_a ×3 \\(stack\\-callers\\.c:24\\), down ×1 \\(stack\\-callers\\.c:43\\)'), hover);
    assert.doesNotMatch(hoverMarkdown({ functionName: 'leaf', target: 'sc:leaf', state: 'live', snapshot: aggregateOf([]).snapshot(), notes: [] }), /Called from/);
  });
});

/** probe/stats' argValues: the values with their counts (most first, as the helper lists them), each value's log2 bucket counted too. */
function argValues(arg, counts, { listed = counts.length, uncounted = 0 } = {}) {
  const bucketOf = (value) => (value === 0 ? 0 : value > 0 ? Math.floor(Math.log2(value)) + 1 : -(Math.floor(Math.log2(-value)) + 1));
  const log2 = new Map();
  for (const [value, count] of counts) log2.set(bucketOf(value), (log2.get(bucketOf(value)) ?? 0) + count);
  return {
    arg,
    top: counts.slice(0, listed).map(([value, count]) => ({ value, count })),
    uncounted,
    log2: [...log2].sort(([a], [b]) => a - b).map(([bucket, count]) => ({ bucket, count })),
    log2Uncounted: 0,
  };
}
const valueStats = (probe, calls, values) => stats({ probe, calls, returns: calls, dropped: 0, latencyHistogram: [], argValues: values });
const topOf = (values) => values.top.map((total) => `${total.value} ×${total.bound === 'exact' ? '' : total.bound === 'atLeast' ? '≥' : '~'}${total.count}`);

describe('Show Value Distribution: an argument\'s values over attachments', () => {
  it('adds attachments up by value and bucket, exactly, and counts from 0 after a reset', () => {
    const aggregate = new ProbeAggregate(1, SHAPE, () => 1, () => 0);
    assert.equal(aggregate.values(), undefined, 'none shown before Show Value Distribution');
    aggregate.showValuesOf('quantity');
    assert.deepEqual(aggregate.values(), { arg: 'quantity', top: [], complete: true, uncounted: 0, log2: [], log2Uncounted: 0 });
    const first = argValues('quantity', [[3, 4], [7, 4], [1, 2]]);
    aggregate.onStats(valueStats(7, 10, first), 0);
    assert.deepEqual(topOf(aggregate.values()), ['3 ×4', '7 ×4', '1 ×2']);
    // Paused, resumed: the detach answer's counts are final, the next attachment counts from 0.
    aggregate.closeAttachment(valueStats(7, 10, first));
    aggregate.onStats(valueStats(8, 3, argValues('quantity', [[12, 2], [3, 1]])), 0);
    let values = aggregate.snapshot().values;
    assert.deepEqual(topOf(values), ['3 ×5', '7 ×4', '1 ×2', '12 ×2']);
    assert.deepEqual(values.log2, [{ bucket: 1, count: 2 }, { bucket: 2, count: 5 }, { bucket: 3, count: 4 }, { bucket: 4, count: 2 }]);
    aggregate.resetCounts();
    assert.deepEqual([aggregate.values().top, aggregate.values().log2], [[], []], 'nothing since the reset');
    aggregate.onStats(valueStats(8, 5, argValues('quantity', [[12, 3], [3, 1], [5, 1]])), 0);
    values = aggregate.values();
    assert.deepEqual(topOf(values), ['12 ×1', '5 ×1'], 'only what came since the reset');
    assert.deepEqual(values.log2, [{ bucket: 3, count: 1 }, { bucket: 4, count: 1 }]);
  });

  it('a value one attachment did not list is a lower bound there; the histogram stays exact', () => {
    const aggregate = new ProbeAggregate(1, SHAPE, () => 1, () => 0);
    aggregate.showValuesOf('quantity');
    // Six values counted, five listed: 9 (×1) was counted but not sent.
    const first = argValues('quantity', [[1, 3], [2, 3], [3, 2], [4, 2], [5, 2], [9, 1]], { listed: 5 });
    aggregate.closeAttachment(valueStats(7, 13, first));
    aggregate.onStats(valueStats(8, 4, argValues('quantity', [[9, 3], [1, 1]])), 0);
    const values = aggregate.values();
    // The second attachment listed all it counted: 2..5 are exact; 9 may have more in the first.
    assert.deepEqual(topOf(values), ['1 ×4', '2 ×3', '9 ×≥3', '3 ×2', '4 ×2', '5 ×2']);
    assert.equal(values.complete, false);
    assert.deepEqual(values.log2, [{ bucket: 1, count: 4 }, { bucket: 2, count: 5 }, { bucket: 3, count: 4 }, { bucket: 4, count: 4 }]);
  });

  it('after a reset only later counts matter: exact, though an earlier attachment did not list a value', () => {
    const aggregate = new ProbeAggregate(1, SHAPE, () => 1, () => 0);
    aggregate.showValuesOf('quantity');
    aggregate.closeAttachment(valueStats(7, 13, argValues('quantity', [[1, 3], [2, 3], [3, 2], [4, 2], [5, 2], [9, 1]], { listed: 5 })));
    // Run with Probes: re-aimed, then reset while the program is held (nothing counted yet).
    aggregate.onStats(valueStats(8, 0, argValues('quantity', [])), 0);
    aggregate.resetCounts();
    aggregate.onStats(valueStats(8, 4, argValues('quantity', [[9, 3], [1, 1]])), 0);
    assert.deepEqual(topOf(aggregate.values()), ['9 ×3', '1 ×1']);
    aggregate.closeAttachment(valueStats(8, 4, argValues('quantity', [[9, 3], [1, 1]])));
    assert.deepEqual(topOf(aggregate.values()), ['9 ×3', '1 ×1']);
    // Reset while an attachment had counted values it did not list: what it counts of them since is not known exactly.
    aggregate.onStats(valueStats(9, 13, argValues('quantity', [[1, 3], [2, 3], [3, 2], [4, 2], [5, 2], [9, 1]], { listed: 5 })), 0);
    aggregate.resetCounts();
    aggregate.onStats(valueStats(9, 18, argValues('quantity', [[9, 6], [1, 3], [2, 3], [3, 2], [4, 2], [5, 2]], { listed: 5 })), 0);
    assert.deepEqual(topOf(aggregate.values()), ['9 ×~6'], 'at most 6, at least 5');
    assert.deepEqual(aggregate.values().log2, [{ bucket: 4, count: 5 }], 'the histogram stays exact');
  });

  it('shows only the argument asked for: another one starts from its own counts', () => {
    const shape = { args: [{ name: 'a', type: 's32' }, { name: 'b', type: 'u8' }], ret: null, enums: { b: { 1: 'RED', 2: 'GREEN' } } };
    const aggregate = new ProbeAggregate(1, shape, () => 1, () => 0);
    aggregate.showValuesOf('a');
    aggregate.closeAttachment(valueStats(7, 2, argValues('a', [[5, 2]])));
    aggregate.showValuesOf('b');
    assert.deepEqual(aggregate.values().top, []);
    aggregate.onStats(valueStats(8, 3, argValues('b', [[1, 2], [2, 1]])), 0);
    assert.deepEqual(topOf(aggregate.values()), ['RED ×2', 'GREEN ×1'], 'enumerators by name');
    aggregate.showValuesOf('a');
    assert.deepEqual(topOf(aggregate.values()), ['5 ×2']);
  });
});

describe('Show Value Distribution: the probe manager', () => {
  function fakeHelper() {
    let next = 1;
    const attached = [];
    const client = {
      attach: async (params) => (attached.push(params), { probe: next++, kind: 'uprobe', retprobe: true, attachMs: 1, binary: params.binary }),
      detach: async (probe) => valueStats(probe, 4, argValues('quantity', [[3, 4]])),
      attachFunctions: async (params) => {
        attached.push(params);
        return { probes: params.functions.map((fn) => ({ probe: next++, kind: 'uprobe', retprobe: true, attachMs: 1, symbol: fn.symbol })), failed: [], links: 'uprobe_multi', linksReason: null, attachMs: 1 };
      },
    };
    return { access: { client: async () => client, requestingUid: async () => 0 }, attached };
  }
  const capture = { args: [{ name: 'item', location: { register: 'rdi' }, type: 'string' }, { name: 'quantity', location: { register: 'rsi' }, type: 's32' }, { name: 'order', location: { register: 'rdx' }, type: 'pointer', deref: { size: 16 } }, { name: 'cookie', location: { register: 'rcx' }, type: 'pointer' }], ret: 's64' };
  const priceSpec = () => ({ target: 'orders:price_order', functionName: 'price_order', attach: { binary: '/w/orders', symbol: 'price_order', capture }, capture: SHAPE, notes: [] });

  it('the numbers among the captured arguments: not strings, not what a pointer points to', () => {
    assert.deepEqual(numberArguments(priceSpec()), [{ name: 'quantity', type: 's32' }, { name: 'cookie', type: 'pointer' }]);
    assert.deepEqual(numberArguments({ attach: { kernelFunction: 'vfs_read' } }), []);
  });

  it('attaches a live probe again counting the argument, its counts carried; every later attach keeps it', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    const entry = await manager.add(priceSpec());
    assert.equal(helper.attached[0].valuesOf, undefined);
    await manager.countValues(entry.id, 'quantity');
    assert.deepEqual([entry.state, helper.attached.length, helper.attached[1].valuesOf], ['live', 2, 'quantity']);
    assert.equal(entry.aggregate.snapshot().calls, 4, 'the first attachment\'s calls are kept');
    assert.deepEqual(topOf(entry.aggregate.values()), ['3 ×4']);
    await manager.countValues(entry.id, 'quantity');
    assert.equal(helper.attached.length, 2, 'already counting it: not attached again');
    await manager.retarget([entry.id], { pid: 42, descendants: true, fromExec: true });
    assert.equal(helper.attached.at(-1).valuesOf, 'quantity', 'Run with Probes re-aims it counting values');
    manager.sessionLost('the helper exited');
    await manager.sessionStarted();
    assert.equal(helper.attached.at(-1).valuesOf, 'quantity', 'and a new helper too');
    await manager.pause(entry.id);
    await manager.resume(entry.id);
    assert.equal(helper.attached.at(-1).valuesOf, 'quantity');
  });

  it('refuses what cannot be counted, saying why', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    const entry = await manager.add(priceSpec());
    await assert.rejects(manager.countValues(entry.id, 'item'), /price_order has no number argument 'item' to count \(it has quantity, cookie\)/);
    await assert.rejects(manager.countValues(entry.id, 'nope'), /no number argument 'nope'/);
    const kernel = await manager.add({ target: 'kernel:vfs_read', functionName: 'vfs_read', attach: { kernelFunction: 'vfs_read' }, notes: [] });
    await assert.rejects(manager.countValues(kernel.id, 'count'), /kernel probe: values are counted for functions of a program or library/);
    const line = await manager.add({ ...priceSpec(), target: 'orders.c:33', line: true });
    await assert.rejects(manager.countValues(line.id, 'quantity'), /probes a line/);
    assert.equal(helper.attached.length, 3, 'nothing attached again');
  });

  it('a new probe asked to count values attaches once, with them, in the binary\'s shared request', async () => {
    const helper = fakeHelper();
    const manager = new ProbeManager(helper.access, () => 0);
    const [entry] = await manager.addMany([{ ...priceSpec(), valuesOf: 'quantity' }, { ...priceSpec(), target: 'orders:main', attach: { binary: '/w/orders', symbol: 'main' } }]);
    assert.deepEqual(helper.attached.map((params) => params.functions.map((fn) => [fn.symbol, fn.valuesOf])), [[['price_order', 'quantity'], ['main', undefined]]]);
    assert.deepEqual(entry.aggregate.values().top, [], 'shown from the start');
  });
});

describe('Show Value Distribution: the hover\'s line', () => {
  it('the most frequent values and the fullest buckets, short', () => {
    const aggregate = new ProbeAggregate(1, SHAPE, () => 1, () => 0);
    aggregate.showValuesOf('quantity');
    assert.equal(valuesText(aggregate.values()), 'quantity: no value counted yet');
    aggregate.onStats(valueStats(7, 12, argValues('quantity', [[3, 4], [7, 4], [1, 2], [2, 1], [12, 1]])), 0);
    assert.equal(valuesText(aggregate.values()), 'quantity: 3 ×4, 7 ×4, 1 ×2 … · log2 [2, 4) ×5, [4, 8) ×4, [1] ×2 …');
    aggregate.onStats(valueStats(7, 15, argValues('quantity', [[3, 4], [7, 4]], { uncounted: 3 })), 0);
    assert.equal(valuesText(aggregate.values()), 'quantity: 3 ×4, 7 ×4 (3 calls not counted by value) · log2 [2, 4) ×4, [4, 8) ×4');
    const hover = hoverMarkdown({ functionName: 'price_order', target: 'orders:price_order', state: 'live', snapshot: aggregate.snapshot(), notes: [] });
    assert.ok(hover.includes('\n\nquantity: 3 ×4, 7 ×4 \\(3 calls not counted by value\\) · log2 \\[2, 4\\) ×4, \\[4, 8\\) ×4'), hover);
    assert.doesNotMatch(hoverMarkdown({ functionName: 'leaf', target: 'sc:leaf', state: 'live', snapshot: aggregateOf([]).snapshot(), notes: [] }), /log2/);
  });
});
