// Live lines, the summary table and the --json line shapes (extension/core/format.ts).

import assert from 'node:assert/strict';
import { log2BucketLabel } from '../../out/test-core/histogram.mjs';
import { describe, it } from 'node:test';
import {
  attachedLine,
  describeCommandOutcome,
  errorLine,
  eventLine,
  formatCallText,
  formatCapturedValue,
  formatDuration,
  formatReturnText,
  formatSummaryTable,
  jsonLine,
  LATENCY_NOTE,
  LiveEventFormatter,
  summaryLine,
} from '../../out/test-core/format.mjs';

const ADD = {
  probe: 1,
  target: './app:add',
  functionName: 'add',
  capture: {
    args: [
      { name: 'arg0', location: { register: 'rdi' }, type: 's64' },
      { name: 'arg1', location: { register: 'rsi' }, type: 's64' },
    ],
    ret: 's64',
  },
};
const GREET = {
  probe: 2,
  target: './app:greet',
  functionName: 'greet',
  capture: { args: [{ name: 'name', location: { register: 'rdi' }, type: 'string' }], ret: 'pointer' },
};

const CALL = { type: 'call', probe: 1, pid: 4242, tid: 4243, uid: 1000, comm: 'app', tsNs: 5_000_000_000, args: { arg0: 1, arg1: -2 } };
const RETURN = { type: 'return', probe: 1, pid: 4242, tid: 4243, uid: 1000, comm: 'app', tsNs: 5_000_001_230, ret: -1, latencyNs: 1230 };

function stats(overrides = {}) {
  return { probe: 1, calls: 0, returns: 0, dropped: 0, sampledOut: 0, maxRecordsPerSecond: null, latencyHistogram: [], ...overrides };
}

describe('formatDuration', () => {
  it('uses ns below 1 µs and three significant digits above', () => {
    assert.equal(formatDuration(0), '0 ns');
    assert.equal(formatDuration(999), '999 ns');
    assert.equal(formatDuration(1230), '1.23 µs');
    assert.equal(formatDuration(45_600), '45.6 µs');
    assert.equal(formatDuration(131_072), '131 µs');
    assert.equal(formatDuration(2_500_000), '2.50 ms');
    assert.equal(formatDuration(3_000_000_000), '3.00 s');
  });
});

describe('human lines', () => {
  it('shows values: quoted strings, big integers and pointers as given, missing as ?', () => {
    assert.equal(formatCapturedValue('hi "you"', 'string'), '"hi \\"you\\""');
    assert.equal(formatCapturedValue('18446744073709551615', 'u64'), '18446744073709551615');
    // An enum by its enumerator's name; a value no enumerator has as its number, but for flags.
    const color = { '-1': 'RED', 1: 'GREEN', 2: 'BLUE' };
    assert.equal(formatCapturedValue(-1, 's32', color), 'RED');
    assert.equal(formatCapturedValue(3, 's32', color), '3');
    const sequence = { 0: 'NONE', 1: 'ONE', 2: 'TWO', 3: 'THREE', 4: 'FOUR' };
    assert.equal(formatCapturedValue(6, 'u32', sequence), '6', 'not flags: 3 is no single bit');
    const open = { 0: 'RDONLY', 1: 'WRONLY', 2: 'RDWR', 64: 'CREAT', 512: 'TRUNC', 1024: 'APPEND' };
    assert.equal(formatCapturedValue(577, 'u32', open), 'WRONLY|CREAT|TRUNC');
    assert.equal(formatCapturedValue(64, 'u32', open), 'CREAT', 'one flag is its enumerator');
    assert.equal(formatCapturedValue(0, 'u32', open), 'RDONLY');
    assert.equal(formatCapturedValue(1 + 64 + 4096, 'u32', open), 'WRONLY|CREAT|0x1000', 'bits no enumerator names, in hex');
    assert.equal(formatCapturedValue(4096, 'u32', open), '4096', 'no named bit: the number');
    assert.equal(formatCapturedValue('9223372036854775872', 'u64', { 64: 'A', 128: 'B', '9223372036854775808': 'TOP' }), 'A|TOP');
    assert.equal(formatCapturedValue('0x7ffd1234', 'pointer'), '0x7ffd1234');
    assert.equal(formatCapturedValue(true, 'bool'), 'true');
    assert.equal(formatCapturedValue(null, 's64'), '?');
    assert.equal(formatCapturedValue(null, 'string'), 'NULL', 'a NULL char *');
    assert.equal(formatCapturedValue(65, 'char'), "65 'A'");
    assert.equal(formatCapturedValue(39, 'char'), "39 '\\''");
    assert.equal(formatCapturedValue(10, 'char'), "10 '\\x0a'");
    assert.equal(formatCapturedValue(-5, 'char'), "-5 '\\xfb'", 'an int8_t keeps its number');
  });

  it('writes a call as name(arg=value, …) and a return with its latency', () => {
    assert.equal(formatCallText(ADD, CALL), 'add(arg0=1, arg1=-2)');
    assert.equal(formatReturnText(ADD, RETURN), 'add → -1  (1.23 µs)');
    assert.equal(formatReturnText(ADD, { ...RETURN, latencyNs: null }), 'add → -1  (entry not seen)');
    const greet = { ...CALL, probe: 2, args: { name: 'world' } };
    assert.equal(formatCallText(GREET, greet), 'greet(name="world")');
  });

  it('prints time since the first event, pid, tid, uid, comm and target', () => {
    const formatter = new LiveEventFormatter(new Map([[1, ADD]]));
    assert.match(formatter.header(), /^TIME\(s\)\s+PID\s+TID\s+UID\s+COMM\s+TARGET/);
    const call = formatter.line(CALL);
    const ret = formatter.line(RETURN);
    assert.match(call, /^0\.000000\s+4242\s+4243\s+1000\s+app\s+\.\/app:add {2}add\(arg0=1, arg1=-2\)$/);
    assert.match(ret, /^0\.000001\s+4242\s+4243\s+1000\s+app\s+\.\/app:add {2}add → -1 {2}\(1\.23 µs\)$/);
  });
});

describe('summary table', () => {
  it('shows a MATCHED column for probes with a condition, and an argument\'s counted values under the table', () => {
    const table = formatSummaryTable([
      { probe: 1, target: 'app:price if quantity > 3', stats: stats({ calls: 15, matched: 6, returns: 6, argValues: { arg: 'quantity', top: [{ value: 12, count: 3 }, { value: 7, count: 3 }], uncounted: 2, log2: [{ bucket: 3, count: 3 }, { bucket: 4, count: 3 }, { bucket: 6, count: 1 }], log2Uncounted: 0 } }) },
      { probe: 2, target: 'app:other', stats: stats({ calls: 4, returns: 4 }) },
    ]);
    const [header, first, second] = table.split('\n').map((line) => line.split(/\s{2,}/).slice(0, 5).join('|'));
    assert.equal(header, 'PROBE|TARGET|CALLS|MATCHED|RETURNS');
    assert.equal(first, '1|app:price if quantity > 3|15|6|6');
    assert.equal(second, '2|app:other|4|-|4');
    assert.match(table, /^app:price if quantity > 3: quantity = 12 ×3, 7 ×3 \(and 2 calls of values not counted\)$/m);
    // The histogram as bpftrace's hist() draws it, the empty bucket between included.
    const histogram = table.slice(table.indexOf('quantity, log2 histogram:')).split('\n').slice(1, 5);
    assert.deepEqual(histogram.map((line) => line.replace(/@+/, (bar) => `@×${bar.length}`).replace(/ +\|$/, '|')), [
      '  [4, 8)   3 |@×52|', '  [8, 16)  3 |@×52|', '  [16, 32) 0 ||', '  [32, 64) 1 |@×17|',
    ]);
  });

  it('labels log2 buckets as bpftrace does, negative ones too, with K/M/G past 1023', () => {
    assert.deepEqual([0, 1, 2, 11, 21, -1, -2, -3, 64].map(log2BucketLabel), ['[0]', '[1]', '[2, 4)', '[1K, 2K)', '[1M, 2M)', '[-1]', '(-4, -2]', '(-8, -4]', '[8E, 16E)']);
  });

  it('shows a many-function target most called first, and counts those never called in a line', () => {
    const member = (probe, name, calls) => ({ probe, target: `app:${name}`, group: 'app:db_*', stats: stats({ calls, returns: calls }) });
    const table = formatSummaryTable([
      { probe: 1, target: './app:main', stats: stats({ calls: 1, returns: 1 }) },
      member(2, 'db_open', 1), member(3, 'db_get', 40), member(4, 'db_close', 0), member(5, 'db_put', 40), member(6, 'db_sync', 0),
    ]);
    const rows = table.split('\n').filter((line) => /^\d/.test(line)).map((line) => line.split(/\s+/).slice(0, 3).join(' '));
    assert.deepEqual(rows, ['1 ./app:main 1', '3 app:db_get 40', '5 app:db_put 40', '2 app:db_open 1']);
    assert.match(table, /^app:db_\*: 2 of 5 functions were not called\.$/m);
  });

  it('has exact counts, bucket-bound latencies and says what the latencies are', () => {
    const table = formatSummaryTable([{ probe: 1, target: './app:add', stats: stats({ calls: 100000, returns: 100000, latencyHistogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 100000] }) }]);
    const [header, row, note] = table.trimEnd().split('\n');
    assert.deepEqual(header.split(/\s{2,}/), ['PROBE', 'TARGET', 'CALLS', 'RETURNS', 'DROPPED', 'P50 ≤', 'P99 ≤', 'MAX ≤']);
    assert.deepEqual(row.split(/\s{2,}/), ['1', './app:add', '100000', '100000', '0', '1.02 µs', '1.02 µs', '1.02 µs']);
    assert.equal(note, LATENCY_NOTE);
  });

  it('shows - without returns, explains drops and reports the command', () => {
    const table = formatSummaryTable(
      [{ probe: 3, target: 'libc:printf', stats: stats({ calls: 5, dropped: 2 }) }],
      { argv: ['./app', '-x'], exitCode: 1, signal: null },
    );
    assert.match(table, /libc:printf\s+5\s+0\s+2\s+-\s+-\s+-/);
    assert.match(table, /DROPPED counts call\/return records not shown/);
    assert.match(table, /command '\.\/app -x' exited with status 1\n$/);
    assert.equal(describeCommandOutcome({ argv: ['sleep', '9'], exitCode: null, signal: 'SIGTERM' }), "command 'sleep 9' was killed by SIGTERM");
  });
});

describe('--json lines (DESIGN.md §5)', () => {
  it('attached', () => {
    const result = { probe: 1, kind: 'uprobe', retprobe: true, binary: '/tmp/app', symbol: 'add', offset: 4409, address: 4409, attachMs: 3.21234 };
    assert.deepEqual(attachedLine('./app:add', result), { type: 'attached', probe: 1, target: './app:add', kind: 'uprobe', attach_ms: 3.212, binary: '/tmp/app', offset: 4409 });
  });

  it('call and return, in snake_case, without wire-only fields', () => {
    assert.deepEqual(eventLine(CALL), { type: 'call', probe: 1, pid: 4242, tid: 4243, uid: 1000, comm: 'app', ts_ns: 5_000_000_000, args: { arg0: 1, arg1: -2 } });
    assert.deepEqual(eventLine(RETURN), { type: 'return', probe: 1, pid: 4242, tid: 4243, uid: 1000, ts_ns: 5_000_001_230, ret: -1, latency_ns: 1230 });
  });

  it('keeps integers beyond 2^53 as the decimal strings the helper sent', () => {
    const line = jsonLine(eventLine({ ...RETURN, ret: '9223372036854775807' }));
    assert.equal(JSON.parse(line).ret, '9223372036854775807');
    assert.ok(line.endsWith('\n'));
  });

  it('summary, with null latencies when nothing returned, and the command when there was one', () => {
    const summaries = [
      { probe: 1, target: './app:add', stats: stats({ calls: 4, returns: 4, topReturns: [{ value: 7, count: 4 }], latencyHistogram: [0, 0, 4] }) },
      { probe: 2, target: './app:loop', stats: stats({ probe: 2, calls: 1, sampledOut: 1, maxRecordsPerSecond: 0 }) },
    ];
    assert.deepEqual(summaryLine(summaries), {
      type: 'summary',
      probes: [
        { probe: 1, target: './app:add', calls: 4, returns: 4, dropped: 0, sampled_out: 0, top_returns: [{ value: 7, count: 4 }], latency_ns: { p50: 8, p99: 8, max: 8 } },
        { probe: 2, target: './app:loop', calls: 1, returns: 0, dropped: 0, sampled_out: 1, top_returns: [], latency_ns: { p50: null, p99: null, max: null } },
      ],
    });
    assert.deepEqual(summaryLine(summaries.slice(0, 1), { argv: ['./app'], exitCode: 0, signal: null }).command, { argv: ['./app'], exit_code: 0, signal: null });
  });

  it('error', () => {
    assert.equal(jsonLine(errorLine('not-elf', '/etc/passwd is not an ELF file')), '{"type":"error","code":"not-elf","message":"/etc/passwd is not an ELF file"}\n');
  });
});
