// Naming counted stacks: one symbolize call per file, a caller's return address named by the
// call just before it, files that cannot be read left unnamed, and the summary's lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFrame, nameStacks, stackLines } from '../../out/test-core/stacks.mjs';

const stacks = {
  counted: 9,
  distinct: 2,
  untallied: 0,
  uncounted: 1,
  top: [
    { count: 5, frames: [{ object: '/bin/app', offset: 0x1000 }, { object: '/bin/app', offset: 0x1200 }, { object: '/lib/libc.so.6', offset: 0x2724a }] },
    { count: 4, frames: [{ object: '/bin/app', offset: 0x1000 }, { object: '/bin/app', offset: 0x1300 }, { address: null }] },
  ],
  callers: [{ count: 5, frame: { object: '/bin/app', offset: 0x1200 } }, { count: 4, frame: { object: '/bin/app', offset: 0x1300 } }],
};

const SOURCES = {
  0x1000: [{ function: 'leaf', file: '/src/app.c', line: 3, inlined: false }],
  0x11ff: [{ function: 'helper', file: '/src/app.c', line: 9, inlined: true }, { function: 'via_a', file: '/src/app.c', line: 14, inlined: false }],
  0x12ff: [{ function: 'via_b', file: '/src/app.c', line: 20, inlined: false }],
};

describe('nameStacks', () => {
  it('asks each file once for all its offsets, a caller\'s one byte before its return address', async () => {
    const asked = [];
    const symbolize = async (binary, offsets) => {
      asked.push([binary, offsets]);
      if (binary !== '/bin/app') throw new Error('unreadable');
      return offsets.map((offset) => SOURCES[offset] ?? []);
    };
    const named = await nameStacks(stacks, symbolize);
    assert.deepEqual(asked, [['/bin/app', [0x1000, 0x11ff, 0x12ff]], ['/lib/libc.so.6', [0x27249]]]);
    assert.equal(named.counted, 9);
    assert.equal(named.uncounted, 1);
    assert.deepEqual(named.callers.map(({ count, frame }) => [count, describeFrame(frame)]), [
      [5, ['helper (app.c:9) [inlined]', 'via_a (app.c:14)']],
      [4, ['via_b (app.c:20)']],
    ]);
    assert.deepEqual(named.top[0].frames.map(describeFrame), [['leaf (app.c:3)'], ['helper (app.c:9) [inlined]', 'via_a (app.c:14)'], ['libc.so.6+0x2724a']]);
    assert.match(describeFrame(named.top[1].frames[2])[0], /not known: the process ended/);
    assert.deepEqual(describeFrame({ address: '0x7f0012345678', source: [] }), ['0x7f0012345678 (in no file)']);
  });

  it('the summary lists callers most first, then the stacks with inlined frames expanded', async () => {
    const named = await nameStacks(stacks, async (binary, offsets) => offsets.map((offset) => SOURCES[offset] ?? []));
    const lines = stackLines('app:leaf', named);
    assert.deepEqual(lines.slice(0, 3), [
      'app:leaf: callers (exact, 9 calls by stack, 1 not):',
      '         5  helper (app.c:9) [inlined] ← via_a (app.c:14)',
      '         4  via_b (app.c:20)',
    ]);
    assert.equal(lines[3], 'app:leaf: stack 1 of 2, 5 calls:');
    assert.deepEqual(lines.slice(4, 7), ['    leaf (app.c:3)', '    helper (app.c:9) [inlined]', '    via_a (app.c:14)']);
  });
});
