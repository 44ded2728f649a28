// probe-lens symbols, resolve, and probe with DWARF: real uprobes (root) on fixtures compiled here,
// checking that arguments arrive by their DWARF names with typed values (strings, pointers,
// bools, negative numbers), FILE.c:LINE targets, static functions of the same name, C++
// overloads and templates, a shared library, an inlined-only function's sites, and no DWARF.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'probe-lens');
const SRC = path.join(ROOT, 'test', 'fixtures', 'symbols');
const src = (name) => path.join(SRC, name);
let work;
const bin = (name) => path.join(work, name);

function runCli(args, options = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd ?? ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

function jsonRun(result) {
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const attached = lines.filter((line) => line.type === 'attached');
  const probeOf = (target) => attached.find((line) => line.target === target)?.probe;
  return {
    lines,
    summary: lines.at(-1),
    calls: (target) => lines.filter((line) => line.type === 'call' && line.probe === probeOf(target)),
    returns: (target) => lines.filter((line) => line.type === 'return' && line.probe === probeOf(target)),
  };
}

const lineOf = (file, text) => {
  const lines = execFileSync('cat', [src(file)], { encoding: 'utf8' }).split('\n');
  const index = lines.findIndex((line) => line.includes(text));
  assert.ok(index >= 0, text);
  return index + 1;
};

const notRoot = process.getuid() !== 0 && 'uprobes need root';

before(() => {
  work = mkdtempSync(path.join(tmpdir(), 'probe-lens-symbols-cli-'));
  const cc = (compiler, ...args) => execFileSync(compiler, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  cc('gcc', '-g', '-O0', '-o', bin('shapes-gcc'), src('shapes.c'));
  cc('clang', '-g', '-O2', '-o', bin('shapes-clang-O2'), src('shapes.c'));
  cc('gcc', '-g0', '-O0', '-o', bin('shapes-nodwarf'), src('shapes.c'));
  cc('gcc', '-g', '-O2', '-o', bin('inlined'), src('inlined.c'));
  cc('gcc', '-g', '-O0', '-o', bin('statics'), src('static-a.c'), src('static-b.c'));
  cc('g++', '-g', '-O0', '-o', bin('cxx'), src('cxx.cpp'));
  cc('gcc', '-g', '-O0', '-fPIC', '-shared', '-o', bin('libwork.so'), src('lib.c'));
  cc('gcc', '-g', '-O0', '-o', bin('uselib'), src('uselib.c'), `-L${work}`, '-lwork', `-Wl,-rpath,${work}`);
});

after(() => rmSync(work, { recursive: true, force: true }));

describe('probe-lens symbols and resolve (no privilege needed)', () => {
  it('symbols BINARY: a table with addresses, offsets, sources; --json one line per function', async () => {
    const human = await runCli(['symbols', bin('statics')]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /^.*statics: pie-executable, x86-64, build-id [0-9a-f]+, DWARF, \d+ functions\n/);
    assert.match(human.stdout, /^0x[0-9a-f]+\s+0x[0-9a-f]+\s+\d+\s+local\s+helper\s+\(.*static-a\.c:4\)$/m);
    assert.match(human.stdout, /^0x[0-9a-f]+\s+0x[0-9a-f]+\s+\d+\s+local\s+helper\s+\(.*static-b\.c:2\)$/m);
    const json = await runCli(['symbols', bin('inlined'), '--json']);
    const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(lines[0].type, 'binary');
    assert.equal(lines[0].has_dwarf, true);
    const square = lines.find((line) => line.type === 'function' && line.name === 'square');
    assert.equal(square.inlined_only, true);
    assert.equal(square.inline_sites.length, 2);
  });

  it('symbols on C++: each function once (a header\'s inline function is in every unit\'s DWARF), by its readable name', async () => {
    // Two units that both use an inline function of a header, and std::string.
    writeFileSync(path.join(work, 'shared.h'), '#include <string>\ninline std::string twice(const std::string &s) { return s + s; }\nint first(); int second();\n');
    writeFileSync(path.join(work, 'first.cpp'), '#include "shared.h"\nint first() { return int(twice("a").size()); }\nint main() { return first() + second(); }\n');
    writeFileSync(path.join(work, 'second.cpp'), '#include "shared.h"\nint second() { return int(twice("bb").size()); }\n');
    execFileSync('g++', ['-g', '-O0', '-o', bin('two-units'), path.join(work, 'first.cpp'), path.join(work, 'second.cpp')]);
    const json = await runCli(['symbols', bin('two-units'), '--json']);
    assert.equal(json.status, 0, json.stderr);
    const [binary, ...functions] = json.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const keys = functions.map((fn) => `${fn.address}|${fn.name}`);
    assert.equal(new Set(keys).size, keys.length, 'no function twice');
    assert.equal(binary.function_count, functions.length);
    assert.equal(functions.filter((fn) => fn.demangled.startsWith('twice(')).length, 1, 'twice() once');
    const human = await runCli(['symbols', bin('two-units')]);
    assert.doesNotMatch(human.stdout, /std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >/, 'std::string, not its template');
  });

  it('symbols on a binary without DWARF says so and how to get it', async () => {
    const result = await runCli(['symbols', bin('shapes-nodwarf')]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /symbol table only, no DWARF/);
    assert.match(result.stdout, /has no DWARF debug info, so there are no parameter names, types or source lines: install its debug symbols/);
  });

  it('resolve FILE:LINE --binary: the function, its lines, and each parameter\'s place and capture', async () => {
    const line = lineOf('shapes.c', 'return (long)x + a');
    const human = await runCli(['resolve', `${src('shapes.c')}:${line}`, '--binary', bin('shapes-gcc')]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^shapes\\.c:${line} → floats in ${bin('shapes-gcc')}, lines ${line - 2}-${line + 1}\\n`));
    assert.match(human.stdout, /^ {2}x\s+double\s+xmm0\s+not captured: floating point is passed in xmm0, which BPF cannot read$/m);
    assert.match(human.stdout, /^ {2}a\s+int\s+rdi\s+s32$/m);
    assert.match(human.stdout, /^ {2}b\s+long int\s+rsi\s+s64$/m);
    const json = JSON.parse((await runCli(['resolve', `${src('shapes.c')}:${line}`, '--binary', bin('shapes-gcc'), '--json'])).stdout);
    assert.equal(json.type, 'resolved');
    assert.equal(json.function.name, 'floats');
    assert.deepEqual(json.params.map((p) => [p.name, p.passed_in, p.capture?.type ?? null]), [['x', 'xmm0', null], ['a', 'rdi', 's32'], ['y', 'xmm1', null], ['b', 'rsi', 's64']]);
  });

  it('resolve without --binary finds the binary built from the file in the current directory', async () => {
    const result = await runCli(['resolve', `${src('static-b.c')}:3`, '--json'], { cwd: work });
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.equal(json.binary, bin('statics'));
    assert.equal(json.function.name, 'helper');
    assert.equal(json.function.line, 2);
  });

  it('resolve a line outside any function → no-function-at-line, exit 2', async () => {
    const result = await runCli(['resolve', `${src('shapes.c')}:1`, '--binary', bin('shapes-gcc'), '--json']);
    assert.equal(result.status, 2);
    assert.equal(JSON.parse(result.stderr).code, 'no-function-at-line');
  });
});

describe('probe-lens probe with DWARF (real uprobes)', { skip: notRoot, timeout: 120_000 }, () => {
  it('libc++ std::string (clang++ -stdlib=libc++): a short one inline and a long one, by reference and by value, as their text', async () => {
    execFileSync('clang++', ['-stdlib=libc++', '-g', '-O0', '-o', bin('libcxx-strings'), src('libcxx-strings.cpp')]);
    const put = `${bin('libcxx-strings')}:put`;
    const run = jsonRun(await runCli(['probe', put, '--json', '--', bin('libcxx-strings')]));
    const texts = run.calls(put).map((call) => [call.args.key.text, call.args.value.text]);
    const long = `L${'x'.repeat(39)}`;
    assert.deepEqual(texts, [['short', long], [long, 'short']]);
    assert.deepEqual(run.returns(put).map((ret) => ret.ret), [45, 45]);
  });

  for (const variant of ['shapes-gcc', 'shapes-clang-O2']) {
    it(`${variant}: arguments by DWARF name, typed: signed, unsigned, bool, string, pointer, enum`, async () => {
      const t = (fn) => `${bin(variant)}:${fn}`;
      const run = jsonRun(await runCli(['probe', t('scalars'), t('text'), t('by_value'), t('make_big'), t('make_pair'), '--json', '--', bin(variant)]));
      assert.deepEqual(run.calls(t('scalars')).map((call) => call.args), [{ a: -5, b: 65535, c: -100000, d: 1099511627776, e: true, f: 65 }]);
      const [text] = run.calls(t('text'));
      assert.equal(text.args.s, 'hello');
      assert.match(text.args.p, /^0x[0-9a-f]+$/);
      assert.equal(text.args.c, -1, 'JSON keeps the number');
      assert.deepEqual(run.returns(t('text')).map((ret) => ret.ret), [5]);
      const human = await runCli(['probe', t('text'), '--', bin(variant)]);
      assert.match(human.stdout, /text\(s="hello", p=0x[0-9a-f]+, c=RED\)/, `the enum by its name:\n${human.stdout}`);
      // Structs by value, by field: from the stack copy and from a register.
      const [byValue] = run.calls(t('by_value'));
      assert.deepEqual([byValue.args.n, byValue.args.last], [42, -1]);
      assert.deepEqual(byValue.args.s, { address: null, fields: { a: 10, b: 20, c: 30 } });
      assert.deepEqual(byValue.args.p, { address: null, fields: { x: 3, y: 4 } });
      assert.equal('m' in byValue.args, false, 'half in xmm0: not captured');
      assert.deepEqual(run.returns(t('by_value')).map((ret) => ret.ret), [10 + 20 + 30 + 42 + 3 + 4 + 0 + 6 - 1]);
      // The hidden result pointer takes rdi: a and b come from rsi and rdx.
      assert.deepEqual(run.calls(t('make_big')).map((call) => call.args), [{ a: 5, b: 6 }]);
      // Structs returned by value, by field: from the caller's buffer rax points to, and from rax.
      const [bigReturned] = run.returns(t('make_big')).map((ret) => ret.ret);
      assert.match(bigReturned.address, /^0x[0-9a-f]+$/);
      assert.deepEqual(bigReturned.fields, { a: 5, b: 6, c: 11 });
      assert.deepEqual(run.returns(t('make_pair')).map((ret) => ret.ret), [{ address: null, fields: { x: 1, y: 2 } }]);
    });
  }

  it('human mode names what is not captured, and why', async () => {
    const result = await runCli(['probe', `${bin('shapes-gcc')}:floats`, '--', bin('shapes-gcc')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /floats: not captured — x: floating point is passed in xmm0, which BPF cannot read; y: floating point is passed in xmm1/);
    assert.match(result.stdout, /floats\(a=7, b=-9\)/);
  });

  it('FILE.c:LINE in the command\'s binary', async () => {
    const target = `${src('shapes.c')}:${lineOf('shapes.c', 'return v * 3;')}`;
    const run = jsonRun(await runCli(['probe', target, '--json', '--', bin('shapes-gcc')]));
    assert.deepEqual(run.calls(target).map((call) => call.args), [{ v: 14 }]);
    assert.deepEqual(run.returns(target).map((ret) => ret.ret), [42]);
  });

  it('without DWARF: raw registers arg0..arg5, and the reason', async () => {
    const target = `${bin('shapes-nodwarf')}:text`;
    const human = await runCli(['probe', target, '--', bin('shapes-nodwarf')]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stderr, /text: arguments are shown raw as arg0\.\.arg5 \(64-bit registers\): .*has no DWARF debug info/);
    const run = jsonRun(await runCli(['probe', target, '--json', '--', bin('shapes-nodwarf')]));
    const [call] = run.calls(target);
    assert.deepEqual(Object.keys(call.args), ['arg0', 'arg1', 'arg2', 'arg3', 'arg4', 'arg5']);
    // enum color RED (-1) is 32 bits wide: the caller leaves the upper half of rdx zero, so the
    // raw 64-bit read shows 4294967295 — the reason typed capture matters.
    assert.equal(call.args.arg2, 4294967295);
  });

  it('static functions with one name: BINARY:NAME is ambiguous; FILE:LINE picks one', async () => {
    const ambiguous = await runCli(['probe', `${bin('statics')}:helper`, '--json', '--', bin('statics')]);
    assert.equal(ambiguous.status, 2);
    const error = JSON.parse(ambiguous.stderr.trim().split('\n').at(-1));
    assert.equal(error.code, 'ambiguous');
    assert.match(error.message, /helper means 2 functions .*static-a\.c:4.*static-b\.c:2.*Probe one by FILE:LINE \(static-a\.c:4, static-b\.c:2\)/);
    const target = `${src('static-b.c')}:4`;
    const run = jsonRun(await runCli(['probe', target, '--json', '--', bin('statics')]));
    assert.deepEqual(run.calls(target).map((call) => call.args), [{ b: 2 }]);
  });

  it('C++: an overload by its symbol, and every instance of a template by its line', async () => {
    const area = `${bin('cxx')}:_ZN3geo4areaEii`;
    const line = lineOf('cxx.cpp', 'T biggest(T a, T b)');
    const template = `${src('cxx.cpp')}:${line}`;
    const run = jsonRun(await runCli(['probe', area, template, '--json', '--', bin('cxx')]));
    assert.deepEqual(run.calls(area).map((call) => call.args), [{ w: 2, h: 3 }]);
    assert.deepEqual(run.calls(`${template} (int geo::biggest<int>(int, int))`).map((call) => call.args), [{ a: 4, b: 9 }]);
    assert.deepEqual(run.calls(`${template} (long geo::biggest<long>(long, long))`).map((call) => call.args), [{ a: 7, b: -2 }]);
    assert.deepEqual(run.returns(`${template} (long geo::biggest<long>(long, long))`).map((ret) => ret.ret), [7]);
  });

  it('-O2 clones and constants: values read where DWARF says (gcc scale.constprop.0, clang scale)', async () => {
    for (const cc of ['gcc', 'clang']) {
      execFileSync(cc, ['-g', '-O2', '-o', bin(`clones-${cc}`), src('clones.c')]);
      const scale = `${bin(`clones-${cc}`)}:scale`;
      const ignores = `${bin(`clones-${cc}`)}:ignores`;
      const run = jsonRun(await runCli(['probe', scale, ignores, '--json', '--', bin(`clones-${cc}`)]));
      assert.deepEqual(run.calls(scale).map((call) => call.args), [{ value: 1 }, { value: 2 }], cc);
      assert.deepEqual(run.returns(scale).map((ret) => ret.ret), [4, 7], cc);
      // clang leaves the dead argument's register unset: it is not captured rather than garbage.
      assert.deepEqual(run.calls(ignores).map((call) => call.args), [cc === 'gcc' ? { used: 1, unused: 99 } : { used: 1 }], cc);
    }
  });

  it('a function in a workspace shared library, through the program that loads it', async () => {
    const target = `${bin('libwork.so')}:lib_add`;
    const run = jsonRun(await runCli(['probe', target, '--json', '--', bin('uselib')]));
    assert.deepEqual(run.calls(target).map((call) => call.args), [{ a: 0, b: 10 }, { a: 1, b: 10 }, { a: 2, b: 10 }]);
    assert.equal(run.summary.probes[0].calls, 3);
  });

  it('an inlined-only function: its inline sites are probed, entry only, and counted', async () => {
    const target = `${src('inlined.c')}:${lineOf('inlined.c', 'int r = v * v;')}`;
    const human = await runCli(['probe', target, '--', bin('inlined')]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stderr, /square exists only inlined \(no function of its own\): probing its 2 inline site\(s\), entry only/);
    const run = jsonRun(await runCli(['probe', target, '--json', '--', bin('inlined')]));
    const counts = Object.fromEntries(run.summary.probes.map((probe) => [probe.target.replace(/^.*@/, ''), probe.calls]));
    assert.deepEqual(counts, { [`main:${lineOf('inlined.c', 'square(argc)')}`]: 1, [`outer:${lineOf('inlined.c', 'total += square(i);')}`]: 3 });
  });
});
