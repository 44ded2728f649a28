// TARGET parsing and the ld.so-cache half of library lookup (extension/core/targets.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isLibraryFileFor,
  ldconfigArchFlag,
  libraryFileStem,
  parseLdconfigOutput,
  describeCondition,
  nameMatches,
  parseCondition,
  parseTarget,
  pickLibraryFromLdconfig,
} from '../../out/test-core/targets.mjs';

describe('parseTarget', () => {
  it('takes a BINARY with a slash as a path', () => {
    assert.deepEqual(parseTarget('./app:add'), {
      kind: 'user-function',
      text: './app:add',
      binary: { kind: 'path', path: './app' },
      function: 'add',
    });
    assert.deepEqual(parseTarget('/usr/bin/bash:readline').binary, { kind: 'path', path: '/usr/bin/bash' });
  });

  it('takes a BINARY without a slash as a short name', () => {
    assert.deepEqual(parseTarget('libc:printf'), {
      kind: 'user-function',
      text: 'libc:printf',
      binary: { kind: 'short-name', name: 'libc' },
      function: 'printf',
    });
  });

  it('keeps C++ scope separators in the function', () => {
    const target = parseTarget('./app:ns::Widget::draw');
    assert.equal(target.kind, 'user-function');
    assert.equal(target.function, 'ns::Widget::draw');
  });

  it('reads FILE.c:LINE as a source line, for several source suffixes', () => {
    assert.deepEqual(parseTarget('src/app.c:42'), { kind: 'source-line', text: 'src/app.c:42', file: 'src/app.c', line: 42 });
    assert.equal(parseTarget('x.cpp:7').kind, 'source-line');
    assert.equal(parseTarget('x.h:1').kind, 'source-line');
  });

  it('reads BINARY:GLOB as many functions, and FILE.c:* as every function of the file', () => {
    assert.deepEqual(parseTarget('./sqlite_drv:sqlite3_*'), {
      kind: 'user-functions', text: './sqlite_drv:sqlite3_*', binary: { kind: 'path', path: './sqlite_drv' }, pattern: 'sqlite3_*',
    });
    assert.equal(parseTarget('libc:str?cpy').kind, 'user-functions');
    assert.equal(parseTarget('app:mdb_[cg]et').kind, 'user-functions');
    assert.deepEqual(parseTarget('src/db.c:*'), { kind: 'source-file', text: 'src/db.c:*', file: 'src/db.c' });
    assert.throws(() => parseTarget('src/db.c:x*'), /FILE:LINE with a line number from 1, or FILE:\* for every function in the file/);
  });

  it('matches function names by shell glob, whole names only, C++ scopes included', () => {
    assert.equal(nameMatches('sqlite3_open', 'sqlite3_*'), true);
    assert.equal(nameMatches('xsqlite3_open', 'sqlite3_*'), false);
    assert.equal(nameMatches('mdb_get', 'mdb_[cg]et'), true);
    assert.equal(nameMatches('mdb_set', 'mdb_[cg]et'), false);
    assert.equal(nameMatches('strncpy', 'str?cpy'), true);
    assert.equal(nameMatches('kv::Store::Put', 'kv::Store::*'), true);
    assert.equal(nameMatches('!x', '!x'), true, 'no negation: a name is a name');
  });

  it('reads --if conditions: an argument, a comparison, a whole number (64-bit exact)', () => {
    assert.deepEqual(parseCondition('quantity > 3'), { arg: 'quantity', op: 'gt', value: 3 });
    assert.deepEqual(parseCondition(' ret<=-1 '), { arg: 'ret', op: 'le', value: -1 });
    assert.deepEqual(parseCondition('flags != 0x10'), { arg: 'flags', op: 'ne', value: 16 });
    assert.deepEqual(parseCondition('n == 18446744073709551615'), { arg: 'n', op: 'eq', value: '18446744073709551615' });
    assert.deepEqual(parseCondition('n >= -9223372036854775808'), { arg: 'n', op: 'ge', value: '-9223372036854775808' });
    assert.throws(() => parseCondition('n == 18446744073709551616'), /does not fit in 64 bits/);
    assert.throws(() => parseCondition('n => 3'), /expected ARGUMENT OP NUMBER/);
    assert.equal(describeCondition({ arg: 'quantity', op: 'ge', value: 3 }), 'quantity >= 3');
  });

  it('reads --if conditions on a text, the return value and the latency, and writes them back as read', () => {
    assert.deepEqual(parseCondition('name == "widget"'), { arg: 'name', op: 'eq', text: 'widget' });
    assert.deepEqual(parseCondition('name != "a \\"quoted\\" one"'), { arg: 'name', op: 'ne', text: 'a "quoted" one' });
    assert.throws(() => parseCondition('name < "widget"'), /a text is compared with == or !=/);
    assert.deepEqual(parseCondition('retval < 0'), { on: 'return', op: 'lt', value: 0 });
    assert.deepEqual(parseCondition('return == -1'), { on: 'return', op: 'eq', value: -1 });
    assert.deepEqual(parseCondition('latency > 1ms'), { on: 'latency', op: 'gt', value: 1_000_000 });
    assert.deepEqual(parseCondition('latency >= 1.5 us'), { on: 'latency', op: 'ge', value: 1500 });
    assert.deepEqual(parseCondition('latency > 250'), { arg: 'latency', op: 'gt', value: 250 }, 'without a unit, an argument named latency');
    assert.throws(() => parseCondition('quantity > 1ms'), /only latency is compared with a duration/);
    for (const text of ['name == "widget"', 'retval < 0', 'latency > 1ms', 'latency >= 1500us', 'latency > 2s', 'latency < 7ns']) {
      assert.equal(describeCondition(parseCondition(text)), text);
    }
  });

  it('reads kernel, syscall and tracepoint targets', () => {
    assert.deepEqual(parseTarget('kernel:prepare_kernel_cred'), { kind: 'kernel-function', text: 'kernel:prepare_kernel_cred', function: 'prepare_kernel_cred' });
    assert.deepEqual(parseTarget('syscall:openat'), { kind: 'syscall', text: 'syscall:openat', name: 'openat' });
    assert.deepEqual(parseTarget('tracepoint:sched:sched_process_exec'), {
      kind: 'tracepoint',
      text: 'tracepoint:sched:sched_process_exec',
      category: 'sched',
      name: 'sched_process_exec',
    });
  });

  it('rejects malformed targets with bad-params and a reason', () => {
    for (const text of ['app', ':add', './app:', 'app.c:0', 'app.c:x', 'tracepoint:sched', 'tracepoint:a:b:c', 'kernel:', 'syscall:1x', './app:two words']) {
      assert.throws(() => parseTarget(text), (error) => {
        assert.equal(error.code, 'bad-params', text);
        assert.match(error.message, new RegExp(`bad target '${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`));
        return true;
      });
    }
  });
});

const LDCONFIG_OUTPUT = `1234 libs found in cache \`/etc/ld.so.cache'
\tlibcap.so.2 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcap.so.2
\tlibc.so.6 (libc6) => /lib/i386-linux-gnu/libc.so.6
\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6
\tlibcrypto.so.3 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcrypto.so.3
\tlibm.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libm.so.6
`;

describe('library lookup in ldconfig output', () => {
  it('parses entries and skips the header', () => {
    const entries = parseLdconfigOutput(LDCONFIG_OUTPUT);
    assert.equal(entries.length, 5);
    assert.deepEqual(entries[2], { name: 'libc.so.6', flags: 'libc6,x86-64, OS ABI: Linux 3.2.0', path: '/lib/x86_64-linux-gnu/libc.so.6' });
  });

  it('picks the library of the right architecture and exact stem', () => {
    const entries = parseLdconfigOutput(LDCONFIG_OUTPUT);
    assert.equal(pickLibraryFromLdconfig(entries, 'libc', 'x86-64'), '/lib/x86_64-linux-gnu/libc.so.6');
    assert.equal(pickLibraryFromLdconfig(entries, 'c', 'x86-64'), '/lib/x86_64-linux-gnu/libc.so.6');
    assert.equal(pickLibraryFromLdconfig(entries, 'libm', 'x86-64'), '/lib/x86_64-linux-gnu/libm.so.6');
    assert.equal(pickLibraryFromLdconfig(entries, 'libnope', 'x86-64'), undefined);
  });

  it('matches STEM.so and STEM.so.N only', () => {
    assert.equal(libraryFileStem('c'), 'libc');
    assert.equal(libraryFileStem('libssl'), 'libssl');
    assert.ok(isLibraryFileFor('libc.so', 'libc'));
    assert.ok(isLibraryFileFor('libc.so.6', 'libc'));
    assert.ok(isLibraryFileFor('libfoo.so.1.2.3', 'libfoo'));
    assert.ok(!isLibraryFileFor('libcap.so.2', 'libc'));
    assert.ok(!isLibraryFileFor('libc.so.6.bak', 'libc'));
  });

  it('knows the ldconfig architecture words', () => {
    assert.equal(ldconfigArchFlag('x64'), 'x86-64');
    assert.equal(ldconfigArchFlag('mips'), undefined);
  });
});
