// The Calls panel's pure parts: message checks on both sides (extension/core/panel-messages.ts),
// and the webview's rows, cells, filter, visible window and histogram bars (panel-view.ts); a
// selected call's stack: which rows carry one, the messages that ask for it and show it, and the
// call log finding the row by its key; a counted argument's distribution as the panel draws it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PANEL_ROW_CAPACITY, parseFilter, parseHostMessage, parseWebviewMessage } from '../../out/test-core/panel-messages.mjs';
import { distributionView, histogramBars, log2Bars, PANEL_COLUMNS, PanelRows, rowCells, toPanelRow, visibleWindow } from '../../out/test-core/panel-view.mjs';
import { CallLog } from '../../out/test-core/call-log.mjs';

const row = (seq, extra = {}) => ({
  seq,
  probeId: 1,
  tsNs: 1_000_000_000 + seq * 1_000,
  pid: 42,
  tid: 42,
  comm: 'orders',
  args: `item="widget", quantity=${seq}, unit_cents=250`,
  ret: String(seq * 250),
  latencyNs: 1500,
  ...extra,
});
const probe = { id: 1, target: 'orders:price_order', state: 'live', calls: 3, returns: 3, dropped: 0, sampledOut: 0, histogram: [0, 0, 1, 2] };

describe('parseHostMessage (the webview checks what the host posts)', () => {
  it('accepts each message kind as sent', () => {
    const reset = { type: 'reset', rows: [row(1), row(2, { ret: null, latencyNs: null })], probes: [probe], paused: false };
    assert.deepEqual(parseHostMessage(reset), reset);
    const rows = { type: 'rows', added: [row(3)], updated: [row(2)], probes: [probe] };
    assert.deepEqual(parseHostMessage(rows), rows);
    assert.deepEqual(parseHostMessage({ type: 'setFilter', filter: { probeId: 1 } }), { type: 'setFilter', filter: { probeId: 1 } });
    assert.deepEqual(parseHostMessage({ type: 'paused', paused: true }), { type: 'paused', paused: true });
    assert.deepEqual(parseHostMessage({ type: 'report' }), { type: 'report' });
  });

  it('drops anything malformed or unknown', () => {
    for (const bad of [
      null,
      'reset',
      [],
      { type: 'nope' },
      { type: 'reset', rows: [row(1)], probes: [probe] },
      { type: 'reset', rows: [{ ...row(1), seq: -1 }], probes: [], paused: false },
      { type: 'reset', rows: [{ ...row(1), args: 3 }], probes: [], paused: false },
      { type: 'reset', rows: [{ ...row(1), ret: undefined }], probes: [], paused: false },
      { type: 'rows', added: [row(1)], updated: 'x', probes: [] },
      { type: 'rows', added: [], updated: [], probes: [{ ...probe, histogram: [1, -2] }] },
      { type: 'paused', paused: 'yes' },
      { type: 'setFilter', filter: 7 },
    ]) {
      assert.equal(parseHostMessage(bad), undefined, JSON.stringify(bad));
    }
  });

  it('bounds what it accepts: no more rows than the panel holds', () => {
    const rows = Array.from({ length: PANEL_ROW_CAPACITY + 1 }, (_, i) => row(i));
    assert.equal(parseHostMessage({ type: 'reset', rows, probes: [], paused: false }), undefined);
  });

  it('takes kernel times beyond 2^53 ns (over 104 days of uptime)', () => {
    assert.ok(parseHostMessage({ type: 'rows', added: [row(1, { tsNs: 2 ** 60 })], updated: [], probes: [] }));
  });
});

describe('parseWebviewMessage (the host checks what the webview posts)', () => {
  it('accepts each message kind', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'clear' }), { type: 'clear' });
    assert.deepEqual(parseWebviewMessage({ type: 'resetCounts', extra: 1 }), { type: 'resetCounts' });
    assert.deepEqual(parseWebviewMessage({ type: 'pause', paused: true }), { type: 'pause', paused: true });
    assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv', filter: { pid: 42, text: 'widget' } }), {
      type: 'export',
      format: 'csv',
      filter: { pid: 42, text: 'widget' },
    });
    const report = { rows: 3, shown: 1, paused: false, filter: { probeId: 1 }, rendered: [['0.000000', '42', 'orders', 'orders:price_order', 'a=1', '750', '1.50 µs']] };
    assert.deepEqual(parseWebviewMessage({ type: 'report', report }), { type: 'report', report });
  });

  it('drops what the host must not act on', () => {
    for (const bad of [
      undefined,
      { type: 'export', format: 'xml', filter: {} },
      { type: 'export', format: 'csv' },
      { type: 'pause' },
      { type: 'report', report: { rows: 1, shown: 1, paused: false, filter: {}, rendered: [[1]] } },
      { type: 'runCommand', command: 'rm -rf /' },
    ]) {
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
    }
  });

  it('parseFilter keeps only well-formed fields: the rest means "any"', () => {
    assert.deepEqual(parseFilter({ probeId: 2, pid: 'x', text: '' }), { probeId: 2 });
    assert.deepEqual(parseFilter({ probeId: 1.5, pid: -1, text: 'w' }), { text: 'w' });
    assert.equal(parseFilter(null), undefined);
  });
});

describe('rows as the table shows them', () => {
  it('toPanelRow: ret and latency are null until the return', () => {
    const call = { seq: 7, probeId: 1, tsNs: 5, pid: 1, tid: 2, comm: 'c', args: 'a=1' };
    assert.deepEqual(toPanelRow(call), { ...call, ret: null, latencyNs: null });
    assert.deepEqual(toPanelRow({ ...call, ret: '750', latencyNs: 1200 }), { ...call, ret: '750', latencyNs: 1200 });
  });

  it('rowCells: seconds since the first row, pid/tid when they differ, args and ret as text', () => {
    assert.equal(PANEL_COLUMNS.length, 7);
    assert.deepEqual(rowCells(row(3), 'orders:price_order', 1_000_000_000), [
      '0.000003',
      '42',
      'orders',
      'orders:price_order',
      'item="widget", quantity=3, unit_cents=250',
      '750',
      '1.50 µs',
    ]);
    assert.deepEqual(rowCells(row(1, { tid: 43, ret: null, latencyNs: null, tsNs: 3_500_000_000 }), 'p', 1_000_000_000).filter((_, i) => [0, 1, 5, 6].includes(i)), [
      '2.500000',
      '42/43',
      '…',
      '',
    ]);
  });
});

describe('visibleWindow (only the rows in view are drawn)', () => {
  it('draws the rows in the viewport plus the overscan, at their offset', () => {
    assert.deepEqual(visibleWindow(0, 220, 22, 100_000, 5), { first: 0, end: 15, offsetPx: 0, totalPx: 2_200_000 });
    assert.deepEqual(visibleWindow(22 * 1000 + 11, 220, 22, 100_000, 5), { first: 995, end: 1016, offsetPx: 995 * 22, totalPx: 2_200_000 });
  });

  it('clamps at the end and for a scroll position past it', () => {
    const view = visibleWindow(10_000_000, 220, 22, 100, 5);
    assert.equal(view.end, 100);
    assert.equal(view.first, 85);
  });

  it('handles no rows, and fewer rows than fit', () => {
    assert.deepEqual(visibleWindow(0, 500, 22, 0), { first: 0, end: 0, offsetPx: 0, totalPx: 0 });
    assert.deepEqual(visibleWindow(0, 500, 22, 3), { first: 0, end: 3, offsetPx: 0, totalPx: 66 });
  });

  it('costs the same at 100,000 rows as at 100: a window of ~viewport/rowPx rows', () => {
    for (let top = 0; top < 2_200_000; top += 123_457) {
      const view = visibleWindow(top, 600, 22, 100_000);
      assert.ok(view.end - view.first <= Math.ceil(600 / 22) + 1 + 16, JSON.stringify(view));
    }
  });
});

describe('histogramBars (from the exact log2 counters)', () => {
  it('spans the first to the last non-empty bucket, gaps kept, scaled to the largest', () => {
    const bars = histogramBars([0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 2]);
    assert.deepEqual(
      bars.map((bar) => [bar.label, bar.count, bar.fraction]),
      [
        ['512 ns–1.02 µs', 4, 1],
        ['1.02 µs–2.05 µs', 0, 0],
        ['2.05 µs–4.10 µs', 2, 0.5],
      ],
    );
    assert.deepEqual(histogramBars([]), []);
    assert.deepEqual(histogramBars([0, 0]), []);
  });
});

describe('PanelRows (what the webview holds)', () => {
  it('adds, applies returns, and filters by probe, pid and text (comm, args, ret)', () => {
    const rows = new PanelRows();
    rows.setProbes([probe, { ...probe, id: 2, target: 'libc:printf' }]);
    rows.reset([row(1), row(2, { ret: null, latencyNs: null }), row(3, { probeId: 2, pid: 7, tid: 7, comm: 'other' })]);
    assert.equal(rows.size, 3);
    assert.equal(rows.baseNs, row(1).tsNs);
    assert.deepEqual(rows.pids(), [7, 42]);
    rows.update([row(2, { ret: '-1' }), row(99)]);
    assert.equal(rows.shown[1].ret, '-1');
    rows.setFilter({ probeId: 2 });
    assert.deepEqual(rows.shown.map((r) => r.seq), [3]);
    rows.setFilter({ pid: 42 });
    assert.deepEqual(rows.shown.map((r) => r.seq), [1, 2]);
    rows.setFilter({ text: 'OTHER' });
    assert.deepEqual(rows.shown.map((r) => r.seq), [3]);
    rows.setFilter({ text: '-1' });
    assert.deepEqual(rows.shown.map((r) => r.seq), [2]);
    rows.setFilter({ text: 'PRINTF' });
    assert.deepEqual(rows.shown.map((r) => r.seq), [3], 'the probe\'s name matches too');
    rows.setFilter({ text: '-1' });
    rows.add([row(4, { ret: '-1' }), row(4)]);
    assert.deepEqual(rows.shown.map((r) => r.seq), [2, 4], 'new rows join the filtered view; a repeated seq is ignored');
    assert.equal(rows.probeName(2), 'libc:printf');
    assert.equal(rows.probeName(9), 'probe 9');
  });

  it('a return that makes a running call match the text filter shows it', () => {
    const rows = new PanelRows();
    rows.setFilter({ text: '1999' });
    rows.add([row(1, { ret: null, latencyNs: null })]);
    assert.equal(rows.shown.length, 0);
    rows.update([row(1, { ret: '1999' })]);
    assert.deepEqual(rows.shown.map((r) => r.seq), [1]);
  });

  it('holds at most its capacity, dropping the oldest', () => {
    const rows = new PanelRows(100);
    rows.add(Array.from({ length: 250 }, (_, i) => row(i + 1)));
    assert.ok(rows.size <= 100);
    assert.equal(rows.evicted, 250 - rows.size, 'the panel can say how many it dropped');
    assert.equal(rows.shown.at(-1).seq, 250);
    assert.equal(rows.shown[0].seq, 250 - rows.size + 1);
    rows.update([row(1, { ret: 'gone' })]);
    assert.ok(rows.shown.every((r) => r.ret !== 'gone'));
  });

  it('keeps up with 100,000 rows: add and re-filter well under a frame budget per batch', () => {
    const rows = new PanelRows();
    const all = Array.from({ length: 100_000 }, (_, i) => row(i + 1, { pid: i % 10 }));
    let started = performance.now();
    for (let at = 0; at < all.length; at += 2_000) rows.add(all.slice(at, at + 2_000));
    const addMs = performance.now() - started;
    started = performance.now();
    rows.setFilter({ pid: 3, text: 'widget' });
    const filterMs = performance.now() - started;
    assert.equal(rows.shown.length, 10_000);
    assert.ok(addMs < 2_000 && filterMs < 500, `add ${addMs.toFixed(0)} ms, filter ${filterMs.toFixed(0)} ms`);
  });
});

describe('a selected call\'s stack', () => {
  const frames = [{ object: '/w/build/sc', offset: 0x1149 }, { object: '/w/build/sc', offset: 0x11a0 }];

  it('a row says whether its call carries a stack; the stack itself stays in the host', () => {
    const call = { seq: 7, probeId: 1, tsNs: 5, pid: 1, tid: 2, comm: 'c', args: 'x=1', stack: frames };
    const panelRow = toPanelRow(call);
    assert.equal(panelRow.hasStack, true);
    assert.equal('stack' in panelRow, false, 'frames are not posted with every row');
    assert.equal('hasStack' in toPanelRow({ ...call, stack: undefined }), false);
    assert.ok(parseHostMessage({ type: 'rows', added: [panelRow], updated: [], probes: [] }));
    assert.equal(parseHostMessage({ type: 'rows', added: [{ ...panelRow, hasStack: 'yes' }], updated: [], probes: [] }), undefined);
  });

  it('the webview asks for a row\'s stack and a frame\'s source by keys only; the host checks them', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'selectRow', seq: 12 }), { type: 'selectRow', seq: 12 });
    assert.deepEqual(parseWebviewMessage({ type: 'openFrame', seq: 12, index: 1 }), { type: 'openFrame', seq: 12, index: 1 });
    for (const bad of [{ type: 'selectRow' }, { type: 'selectRow', seq: -1 }, { type: 'openFrame', seq: 12 }, { type: 'openFrame', seq: 12, index: 1.5 }]) {
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
    }
    // A path from the webview is never taken: the host opens only the lines it sent.
    assert.deepEqual(parseWebviewMessage({ type: 'openFrame', seq: 12, index: 0, file: '/etc/shadow' }), { type: 'openFrame', seq: 12, index: 0 });
  });

  it('the host sends the stack as lines, each saying whether it opens a source; a note when there is none', () => {
    const stack = { type: 'stack', seq: 12, title: 'sc:leaf: leaf(x=1) → 2 · pid 42 · 2 frames', frames: [{ text: 'leaf (stack-callers.c:15)', hasSource: true }, { text: 'sc+0x1234', hasSource: false }] };
    assert.deepEqual(parseHostMessage(stack), stack);
    const none = { type: 'stack', seq: 12, title: 't', frames: [], note: 'No stack: its probe does not count callers.' };
    assert.deepEqual(parseHostMessage(none), none);
    for (const bad of [{ ...stack, frames: [{ text: 'x' }] }, { ...stack, seq: 'a' }, { ...stack, note: 3 }, { ...stack, frames: Array.from({ length: 600 }, () => ({ text: 'f', hasSource: false })) }]) {
      assert.equal(parseHostMessage(bad), undefined, JSON.stringify(bad).slice(0, 100));
    }
  });

  it('the report carries the selected row and its stack as shown', () => {
    const report = { rows: 3, shown: 3, paused: false, filter: {}, rendered: [], selected: 12, stack: ['sc:leaf: leaf(x=1) → 2', 'leaf (stack-callers.c:15)', 'via_b (stack-callers.c:33)'] };
    assert.deepEqual(parseWebviewMessage({ type: 'report', report }), { type: 'report', report });
    assert.equal(parseWebviewMessage({ type: 'report', report: { ...report, stack: [1] } }), undefined);
    assert.equal(parseWebviewMessage({ type: 'report', report: { ...report, selected: -3 } }), undefined);
  });

  it('the call log finds a row by its key, also after old rows fell out', () => {
    const log = new CallLog(4);
    for (const seq of [1, 2, 4, 5, 7, 8, 9]) log.push({ seq, probeId: 1, tsNs: seq, pid: 1, tid: 1, comm: 'c', args: '' });
    assert.deepEqual([log.find(9)?.seq, log.find(5)?.seq, log.find(4), log.find(6), log.find(1)], [9, 5, undefined, undefined, undefined]);
    assert.deepEqual(log.all().map((row) => row.seq), [5, 7, 8, 9]);
    assert.equal(new PanelRows().get(3), undefined);
  });
});

describe('a counted argument\'s distribution (Show Value Distribution)', () => {
  // f(i) for i = 0..99: each value once; log2 buckets 0, 1, then [2^(k-1), 2^k) up to [64, 128) with 36.
  const log2 = [[0, 1], [1, 1], [2, 2], [3, 4], [4, 8], [5, 16], [6, 32], [7, 36]].map(([bucket, count]) => ({ bucket, count }));
  const values = { arg: 'n', top: [0, 1, 2, 3, 4].map((value) => ({ value: String(value), count: 1, bound: 'exact' })), complete: false, uncounted: 0, log2, log2Uncounted: 0 };

  it('bars from the lowest bucket to the highest, labelled as bpftrace does, gaps kept', () => {
    assert.deepEqual(log2Bars(log2).map((bar) => [bar.label, bar.count]), [['[0]', 1], ['[1]', 1], ['[2, 4)', 2], ['[4, 8)', 4], ['[8, 16)', 8], ['[16, 32)', 16], ['[32, 64)', 32], ['[64, 128)', 36]]);
    assert.deepEqual(
      log2Bars([{ bucket: -2, count: 2 }, { bucket: 2, count: 4 }]).map((bar) => [bar.label, bar.count, bar.fraction]),
      [['(-4, -2]', 2, 0.5], ['[-1]', 0, 0], ['[0]', 0, 0], ['[1]', 0, 0], ['[2, 4)', 4, 1]],
    );
    assert.deepEqual(log2Bars([]), []);
  });

  it('the top values with exact counts and shares, what is not listed, and the histogram', () => {
    const view = distributionView({ target: 'dist:count_me', state: 'ended', values, calls: 100 });
    assert.equal(view.title, 'dist:count_me: n over 100 calls · counted in the kernel, exact (ended)');
    assert.deepEqual(view.top, [0, 1, 2, 3, 4].map((value) => ({ value: String(value), count: '1', share: '1.0%' })));
    assert.deepEqual(view.notes, ['95 calls of values not listed.']);
    assert.equal(view.bars.at(-1).label, '[64, 128)');
    const partial = distributionView({
      target: 't',
      state: 'live',
      values: { ...values, top: [{ value: '7', count: 50, bound: 'atLeast' }], uncounted: 10, log2Uncounted: 2 },
      calls: 130,
    });
    assert.deepEqual(partial.top, [{ value: '7', count: '≥50', share: '49%' }]);
    assert.deepEqual(partial.notes, [
      'At most 42 calls of values not listed.',
      '10 calls not counted by value: no room among the 256 values the kernel counts a probe (the histogram has them).',
      '2 calls not in the histogram: no room for their bucket.',
      '28 calls counted before the values of n were asked for: not by value.',
    ]);
    const none = distributionView({ target: 't', state: 'live', values: { ...values, top: [], complete: true, log2: [] }, calls: 0 });
    assert.deepEqual([none.top, none.bars, none.notes], [[], [], ['No value counted yet: run the program (Run with Probes).']]);
  });

  it('travels with the probe\'s counters, checked by the webview; the report carries it as drawn', () => {
    const distribution = distributionView({ target: 'dist:count_me', state: 'live', values, calls: 100 });
    const message = { type: 'rows', added: [], updated: [], probes: [{ ...probe, distribution }] };
    assert.deepEqual(parseHostMessage(message), message);
    for (const bad of [{ ...distribution, bars: [{ label: '[0]', count: -1, fraction: 0 }] }, { ...distribution, top: [{ value: '1', count: 1, share: '' }] }, { ...distribution, notes: 'x' }, { ...distribution, title: undefined }]) {
      assert.equal(parseHostMessage({ ...message, probes: [{ ...probe, distribution: bad }] }), undefined, JSON.stringify(bad).slice(0, 120));
    }
    const report = { rows: 0, shown: 0, paused: false, filter: { probeId: 1 }, rendered: [], distribution: ['dist:count_me: n over 100 calls', '0 | 1 | 1.0%', '[64, 128) | 36'] };
    assert.deepEqual(parseWebviewMessage({ type: 'report', report }), { type: 'report', report });
    assert.equal(parseWebviewMessage({ type: 'report', report: { ...report, distribution: [3] } }), undefined);
  });
});
