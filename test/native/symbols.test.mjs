// The symbol addon (native/addon) against binaries compiled here from test/fixtures/symbols with
// gcc and clang, -O0 and -O2, PIE and not, stripped, without DWARF, with separate debug files,
// C++ and a shared library: exact names, addresses (checked against nm and readelf), source
// lines, parameter names, types and entry locations, and clear errors for bad input.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSymbolsAddon } from '../../out/test-core/symbols-addon.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = path.join(ROOT, 'test', 'fixtures', 'symbols');
const src = (name) => path.join(SRC, name);

let work;
const bin = (name) => path.join(work, name);
const symbols = loadSymbolsAddon();

function compile(compiler, args) {
  execFileSync(compiler, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Every defined function symbol nm lists (types T, t, W, w, i), checked to be FUNC by readelf: name → addresses. */
function nmFunctions(binary, dynamic = false) {
  const funcs = new Set();
  const syms = execFileSync('readelf', ['-sW', ...(dynamic ? ['--dyn-syms'] : []), binary], { encoding: 'utf8' });
  for (const line of syms.split('\n')) {
    const match = /^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+(FUNC|IFUNC)\s+\S+\s+\S+\s+(\d+)\s+(\S+)/.exec(line);
    if (match) funcs.add(`${Number.parseInt(match[1], 16)} ${match[4].replace(/@.*$/, '')}`);
  }
  const out = execFileSync('nm', [...(dynamic ? ['-D'] : []), '--defined-only', binary], { encoding: 'utf8' });
  const found = new Map();
  for (const line of out.split('\n')) {
    const match = /^([0-9a-f]+) ([TtWwi]) (\S+)$/.exec(line);
    if (!match) continue;
    const address = Number.parseInt(match[1], 16);
    const name = match[3].replace(/@.*$/, '');
    if (address === 0 || !funcs.has(`${address} ${name}`)) continue;
    const list = found.get(name) ?? [];
    if (!list.includes(address)) list.push(address);
    found.set(name, list);
  }
  return found;
}

/** PT_LOAD segments from readelf, to turn an address into a file offset independently. */
function readelfOffset(binary, address) {
  const out = execFileSync('readelf', ['-lW', binary], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const match = /^\s+LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/.exec(line);
    if (!match) continue;
    const [offset, vaddr, filesz] = match.slice(1).map((hex) => Number.parseInt(hex, 16));
    if (address >= vaddr && address < vaddr + filesz) return address - vaddr + offset;
  }
  return undefined;
}

function readelfBuildId(binary) {
  const out = execFileSync('readelf', ['-n', binary], { encoding: 'utf8' });
  return /Build ID: ([0-9a-f]+)/.exec(out)?.[1];
}

/** The line of a marker comment-free statement, found by text so the tests follow the fixture. */
function lineOf(file, text) {
  const index = readFileSync(src(file), 'utf8').split('\n').findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `${text} not in ${file}`);
  return index + 1;
}

const only = (list, predicate, what) => {
  const found = list.filter(predicate);
  assert.equal(found.length, 1, `${what}: ${JSON.stringify(found.map((f) => f.name))}`);
  return found[0];
};

const paramSummary = (signature) =>
  signature.params.map((p) => ({ name: p.name, type: p.type.name, passedIn: p.passedIn, capture: p.capture }));

before(() => {
  work = mkdtempSync(path.join(tmpdir(), 'probe-lens-symbols-'));
  for (const cc of ['gcc', 'clang']) {
    for (const opt of ['-O0', '-O2']) {
      compile(cc, ['-g', opt, '-o', bin(`shapes-${cc}${opt}`), src('shapes.c')]);
      compile(cc, ['-g', opt, '-o', bin(`inlined-${cc}${opt}`), src('inlined.c')]);
    }
  }
  compile('gcc', ['-g', '-O0', '-no-pie', '-o', bin('shapes-nopie'), src('shapes.c')]);
  compile('gcc', ['-g', '-O0', '-o', bin('statics'), src('static-a.c'), src('static-b.c')]);
  compile('g++', ['-g', '-O0', '-o', bin('cxx-g++'), src('cxx.cpp')]);
  compile('clang++', ['-g', '-O0', '-o', bin('cxx-clang++'), src('cxx.cpp')]);
  compile('gcc', ['-g', '-O0', '-fPIC', '-shared', '-o', bin('libwork.so'), src('lib.c')]);
  compile('gcc', ['-g', '-O0', '-o', bin('uselib'), src('uselib.c'), `-L${work}`, '-lwork', `-Wl,-rpath,${work}`]);
  compile('gcc', ['-g0', '-O0', '-o', bin('nodwarf'), src('shapes.c')]);
  compile('gcc', ['-g', '-O0', '-o', bin('stripped'), src('shapes.c')]);
  execFileSync('strip', ['--strip-all', bin('stripped')]);
});

after(() => rmSync(work, { recursive: true, force: true }));

describe('functions(): names and addresses', () => {
  for (const variant of ['shapes-gcc-O0', 'shapes-gcc-O2', 'shapes-clang-O0', 'shapes-clang-O2', 'shapes-nopie', 'cxx-g++', 'cxx-clang++']) {
    it(`${variant}: every function symbol nm lists, at its address, with readelf's file offset`, async () => {
      const { binary, functions } = await symbols.functions(bin(variant));
      assert.equal(binary.hasDwarf, true);
      assert.equal(binary.hasSymtab, true);
      assert.equal(binary.buildId, readelfBuildId(bin(variant)));
      const nm = nmFunctions(bin(variant));
      assert.ok(nm.size > 5);
      for (const [name, addresses] of nm) {
        for (const address of addresses) {
          const entry = functions.find((f) => f.name === name && f.address === address);
          assert.ok(entry, `${name} at 0x${address.toString(16)} missing`);
          assert.equal(entry.fileOffset, readelfOffset(bin(variant), address), `${name} file offset`);
        }
      }
      const fromSymtab = functions.filter((f) => f.fromSymbolTable);
      assert.equal(fromSymtab.length, [...nm.values()].flat().length, 'no function the symbol table lacks is invented');
    });
  }

  it('the cost class of each entry: a 5-byte nop optimized, push emulated, lea single-stepped; past an endbr64, what follows', async () => {
    const source = path.join(work, 'entries.c');
    writeFileSync(source, '__attribute__((noinline)) long add(long a, long b) { return a + b; }\nint main(void) { return (int)add(1, 2); }\n');
    const cases = [
      ['clang', ['-O2', '-fpatchable-function-entry=5'], 'optimized', false],
      ['gcc', ['-O0'], 'emulated', false],
      ['gcc', ['-O2'], 'single-stepped', false],
      ['gcc', ['-O0', '-fcf-protection=full'], 'emulated', true],
    ];
    for (const [compiler, flags, cost, endbr64] of cases) {
      const binary = bin(`entries-${compiler}${flags.join('')}`);
      compile(compiler, ['-g', ...flags, '-o', binary, source]);
      const [add] = await symbols.lookup(binary, 'add');
      assert.deepEqual([add.entryCost, add.startsWithEndbr64], [cost, endbr64], `${compiler} ${flags.join(' ')}`);
    }
  });

  it('PIE and non-PIE: kinds, and offsets that differ from addresses only without PIE', async () => {
    const pie = await symbols.functions(bin('shapes-gcc-O0'));
    const nopie = await symbols.functions(bin('shapes-nopie'));
    assert.equal(pie.binary.kind, 'pie-executable');
    assert.equal(nopie.binary.kind, 'executable');
    const pieMain = only(pie.functions, (f) => f.name === 'main', 'main');
    const nopieMain = only(nopie.functions, (f) => f.name === 'main', 'main');
    assert.equal(pieMain.fileOffset, pieMain.address);
    assert.ok(nopieMain.address >= 0x400000);
    assert.equal(nopieMain.fileOffset, nopieMain.address - 0x400000);
  });

  it('source file and lines of each function (gcc and clang, -O0)', async () => {
    for (const cc of ['gcc', 'clang']) {
      const { functions } = await symbols.functions(bin(`shapes-${cc}-O0`));
      const scalars = only(functions, (f) => f.name === 'scalars', 'scalars');
      assert.equal(scalars.file, src('shapes.c'));
      assert.equal(scalars.line, lineOf('shapes.c', 'NOINLINE int scalars('));
      // gcc gives the closing brace a row; clang puts the epilogue on the return line.
      assert.equal(scalars.endLine, scalars.line + (cc === 'gcc' ? 3 : 2));
      assert.equal(scalars.binding, 'global');
      const local = only(functions, (f) => f.name === 'file_local', 'file_local');
      assert.equal(local.binding, 'local');
      assert.equal(local.line, lineOf('shapes.c', 'static NOINLINE int file_local'));
    }
  });

  it('static functions with the same name in two files: two entries, told apart by file', async () => {
    const { functions } = await symbols.functions(bin('statics'));
    const helpers = functions.filter((f) => f.name === 'helper');
    assert.deepEqual(helpers.map((f) => [path.basename(f.file), f.line, f.binding]).sort(), [
      ['static-a.c', 4, 'local'],
      ['static-b.c', 2, 'local'],
    ]);
    assert.deepEqual(helpers.map((f) => f.address).sort(), nmFunctions(bin('statics')).get('helper').sort());
    await assert.rejects(symbols.signature(bin('statics'), 'helper'), (error) => {
      assert.equal(error.code, 'ambiguous');
      assert.match(error.message, /static-a\.c:4\) at 0x[0-9a-f]+; helper \(.*static-b\.c:2\)/);
      return true;
    });
    const b = helpers.find((f) => f.file.endsWith('static-b.c'));
    const signature = await symbols.signature(bin('statics'), 'helper', b.address);
    assert.deepEqual(signature.params.map((p) => p.name), ['b']);
  });

  it('C++: demangled names, overloads, namespaces, templates, methods (g++ and clang++)', async () => {
    for (const compiler of ['g++', 'clang++']) {
      const { functions } = await symbols.functions(bin(`cxx-${compiler}`));
      const demangled = new Set(functions.map((f) => f.demangled));
      for (const name of [
        'geo::area(int, int)',
        'geo::area(double)',
        'int geo::biggest<int>(int, int)',
        'long geo::biggest<long>(long, long)',
        'geo::Point::dot(geo::Point const&) const',
        'take(Counted, long)',
      ]) {
        assert.ok(demangled.has(name), `${compiler}: ${name} in ${[...demangled].join(' | ')}`);
      }
      const area = only(functions, (f) => f.name === '_ZN3geo4areaEii', 'area(int,int)');
      assert.equal(area.line, lineOf('cxx.cpp', 'int area(int w, int h)'));
      const overloads = await symbols.lookup(bin(`cxx-${compiler}`), 'geo::area');
      assert.equal(overloads.length, 2);
      // The tail of a qualified name, at a "::": Point::dot means geo::Point::dot; oint::dot nothing.
      assert.deepEqual((await symbols.lookup(bin(`cxx-${compiler}`), 'Point::dot')).map((f) => f.demangled), ['geo::Point::dot(geo::Point const&) const']);
      assert.deepEqual(await symbols.lookup(bin(`cxx-${compiler}`), 'oint::dot'), []);
      const byType = await symbols.signature(bin(`cxx-${compiler}`), 'geo::area(int, int)');
      assert.deepEqual(paramSummary(byType).map((p) => [p.name, p.capture]), [
        ['w', { location: { register: 'rdi' }, type: 's32' }],
        ['h', { location: { register: 'rsi' }, type: 's32' }],
      ]);
      const template = await symbols.signature(bin(`cxx-${compiler}`), 'geo::biggest<long>');
      assert.equal(template.returnCapture, 's64');
    }
  });
});

describe('signature(): parameters, types, and where each one is at entry (x86-64 SysV)', () => {
  const reg = (register, type) => ({ location: { register }, type });
  const stack = (stackOffset, type) => ({ location: { stackOffset }, type });

  for (const variant of ['shapes-gcc-O0', 'shapes-clang-O0', 'shapes-gcc-O2', 'shapes-clang-O2']) {
    it(`${variant}: integer classes by register in order, signed widths, bool, char, enum, string`, async () => {
      const scalars = await symbols.signature(bin(variant), 'scalars');
      assert.deepEqual(
        paramSummary(scalars).map((p) => [p.name, p.type, p.capture]),
        [
          ['a', 'int8_t', reg('rdi', 'char')],
          ['b', 'uint16_t', reg('rsi', 'u16')],
          ['c', 'int32_t', reg('rdx', 's32')],
          ['d', 'uint64_t', reg('rcx', 'u64')],
          ['e', variant.includes('clang') ? '_Bool' : '_Bool', reg('r8', 'bool')],
          ['f', 'char', reg('r9', 'char')],
        ],
      );
      assert.equal(scalars.returnCapture, 's32');
      const text = await symbols.signature(bin(variant), 'text');
      assert.deepEqual(
        paramSummary(text).map((p) => [p.name, p.type, p.capture]),
        [
          ['s', 'const char *', reg('rdi', 'string')],
          ['p', 'void *', reg('rsi', 'pointer')],
          ['c', 'enum color', reg('rdx', 's32')],
        ],
      );
      assert.deepEqual(text.params[2].type.enumerators, { '-1': 'RED', 1: 'GREEN', 2: 'BLUE' });
      assert.equal(text.returnType.name, 'size_t');
      assert.equal(text.returnCapture, 'u64');
    });

    it(`${variant}: floats take xmm registers and shift nothing; the 7th integer is at sp+8`, async () => {
      const floats = await symbols.signature(bin(variant), 'floats');
      assert.deepEqual(
        paramSummary(floats).map((p) => [p.name, p.passedIn, p.capture]),
        [
          ['x', 'xmm0', null],
          ['a', 'rdi', reg('rdi', 's32')],
          ['y', 'xmm1', null],
          ['b', 'rsi', reg('rsi', 's64')],
        ],
      );
      assert.match(floats.params[0].note, /not captured: floating point is passed in xmm0/);
      const eight = await symbols.signature(bin(variant), 'eight');
      assert.deepEqual(
        eight.params.map((p) => p.capture),
        [reg('rdi', 's64'), reg('rsi', 's64'), reg('rdx', 's64'), reg('rcx', 's64'), reg('r8', 's64'), reg('r9', 's64'), stack(8, 's64'), stack(16, 's64')],
      );
    });

    it(`${variant}: structs by value (stack and registers), a struct returned in memory, long double`, async () => {
      const byValue = await symbols.signature(bin(variant), 'by_value');
      const long = variant.includes('clang') ? 'long' : 'long int';
      assert.deepEqual(
        paramSummary(byValue).map((p) => [p.name, p.type, p.passedIn, p.capture]),
        [
          ['s', 'struct big', 'stack sp+8', { location: { stackCopy: 8 }, type: 'pointer' }],
          ['n', long, 'rdi', reg('rdi', 's64')],
          ['p', 'struct pair', 'rsi', { location: { registers: ['rsi'] }, type: 'pointer' }],
          ['m', 'struct mixed', 'xmm0:rdx', null],
          ['last', long, 'rcx', reg('rcx', 's64')],
        ],
      );
      // Read as bytes and shown by field: the copy on the stack, the register; half in xmm0 cannot be.
      assert.deepEqual(byValue.params[0].pointee.fields.map((f) => [f.name, f.offset]), [['a', 0], ['b', 8], ['c', 16]]);
      assert.deepEqual(byValue.params[2].pointee.fields.map((f) => [f.name, f.offset]), [['x', 0], ['y', 4]]);
      assert.match(byValue.params[3].note, /partly in xmm registers, which BPF cannot read/);
      const makeBig = await symbols.signature(bin(variant), 'make_big');
      assert.deepEqual(makeBig.params.map((p) => p.capture), [reg('rsi', 's64'), reg('rdx', 's64')]);
      // Returned in memory: read where rax points at the return; a small one, from rax itself.
      assert.deepEqual([makeBig.returnCapture, makeBig.returnRegisters], ['pointer', null]);
      assert.deepEqual(makeBig.returnPointee.fields.map((f) => f.name), ['a', 'b', 'c']);
      const makePair = await symbols.signature(bin(variant), 'make_pair');
      assert.deepEqual([makePair.returnCapture, makePair.returnRegisters], ['pointer', 1]);
      assert.deepEqual(makePair.returnPointee.fields.map((f) => [f.name, f.offset]), [['x', 0], ['y', 4]]);
      const extended = await symbols.signature(bin(variant), 'extended');
      assert.deepEqual(extended.params.map((p) => [p.passedIn, p.capture]), [['stack sp+8', null], ['rdi', reg('rdi', 's32')]]);
      const variadic = await symbols.signature(bin(variant), 'count_args');
      assert.equal(variadic.variadic, true);
      assert.deepEqual(variadic.params.map((p) => p.capture), [reg('rdi', 's32')]);
    });
  }

  it('-O0 locations are frame slots (not valid at entry); -O2 ones are registers or location lists', async () => {
    const o0 = await symbols.signature(bin('shapes-gcc-O0'), 'scalars');
    assert.match(o0.params[0].dwarfLocation, /^DW_OP_fbreg -\d+$/);
    const o2 = await symbols.signature(bin('shapes-gcc-O2'), 'text');
    assert.match(o2.params[0].dwarfLocation, /DW_OP_reg5 \(rdi\)/);
  });

  it('-O2 clones and constants: scale.constprop.0 (gcc) and scale with a constant factor (clang)', async () => {
    for (const cc of ['gcc', 'clang']) {
      compile(cc, ['-g', '-O2', '-o', bin(`clones-${cc}`), src('clones.c')]);
      const [scale] = await symbols.lookup(bin(`clones-${cc}`), 'scale');
      assert.equal(scale.name, cc === 'gcc' ? 'scale.constprop.0' : 'scale');
      assert.equal(scale.sourceName, 'scale');
      assert.equal(scale.line, lineOf('clones.c', 'int scale(int value, int factor)'));
      const signature = await symbols.signature(bin(`clones-${cc}`), scale.name);
      assert.deepEqual(signature.params.map((p) => [p.name, p.capture]), [['value', reg('rdi', 's32')], ['factor', null]]);
      assert.match(signature.params[1].note, /the compiler made it the constant 3 \(DW_AT_const_value\); callers do not pass it/);
      if (cc === 'gcc') assert.match(signature.notes[0], /'scale\.constprop\.0' is a compiler-made copy/);
      // gcc keeps the dead argument's register in DWARF; clang calls it optimized out and its
      // callers leave rsi unset, so it is not read (a read showed garbage).
      const ignores = await symbols.signature(bin(`clones-${cc}`), 'ignores');
      assert.deepEqual(ignores.params.map((p) => p.capture), [reg('rdi', 's32'), cc === 'gcc' ? reg('rsi', 's32') : null]);
      if (cc === 'clang') assert.match(ignores.params[1].note, /optimized out \(no location\): calls the compiler saw may leave it unset/);
    }
  });

  it('C++: this is artificial; a class with a user copy constructor is passed by reference', async () => {
    for (const compiler of ['g++', 'clang++']) {
      const dot = await symbols.signature(bin(`cxx-${compiler}`), 'geo::Point::dot');
      assert.deepEqual(dot.params.map((p) => [p.name, p.artificial, p.capture?.location]), [
        ['this', true, { register: 'rdi' }],
        ['other', false, { register: 'rsi' }],
      ]);
      const take = await symbols.signature(bin(`cxx-${compiler}`), 'take');
      assert.deepEqual(take.params.map((p) => [p.name, p.capture]), [
        ['c', reg('rdi', 'pointer')],
        ['k', reg('rsi', 's64')],
      ]);
      assert.match(take.params[0].note, /passed by reference/);
    }
  });
});

describe('functionAt() and lineAddresses()', () => {
  for (const variant of ['inlined-gcc-O0', 'inlined-clang-O0', 'inlined-gcc-O2', 'inlined-clang-O2']) {
    it(`${variant}: nested blocks and macros resolve to their function; lines between functions to none`, async () => {
      const at = async (text) => (await symbols.functionAt(src('inlined.c'), lineOf('inlined.c', text), bin(variant))).function.name;
      assert.equal(await at('int outer(int n)'), 'outer');
      assert.equal(await at('total += TWICE(i);'), 'outer');
      assert.equal(await at('total += square(i);'), 'outer');
      assert.equal(await at('return total;'), 'outer');
      assert.equal(await at('printf("%d %d'), 'main');
      assert.equal(await at('int r = v * v;'), 'square');
      await assert.rejects(symbols.functionAt(src('inlined.c'), lineOf('inlined.c', '#define TWICE'), bin(variant)), (error) => {
        assert.equal(error.code, 'no-function-at-line');
        assert.match(error.message, /square is at lines 5-\d+; outer starts at line 13/);
        return true;
      });
    });
  }

  it('an inlined-only function: no address, every inline site with its caller and call line', async () => {
    for (const variant of ['inlined-gcc-O2', 'inlined-clang-O2']) {
      const { functions } = await symbols.functions(bin(variant));
      const square = only(functions, (f) => f.sourceName === 'square', 'square');
      assert.equal(square.inlinedOnly, true);
      assert.equal(square.address, null);
      assert.equal(square.fileOffset, null);
      assert.ok(!nmFunctions(bin(variant)).has('square'));
      const sites = square.inlineSites.map((site) => [site.caller, site.line]).sort();
      const expected = [
        ['main', lineOf('inlined.c', 'square(argc)')],
        ['outer', lineOf('inlined.c', 'total += square(i);')],
      ];
      // clang -O2 folds square into outer's loop and records no inlined copy there.
      assert.deepEqual(sites, variant.includes('clang') ? expected.slice(0, 1) : expected);
      for (const site of square.inlineSites) assert.equal(site.fileOffset, readelfOffset(bin(variant), site.address));
      const signature = await symbols.signature(bin(variant), 'square');
      assert.deepEqual(signature.params.map((p) => [p.name, p.type.name]), [['v', 'int']]);
    }
  });

  it('a path given relative, or from another checkout, still finds the file', async () => {
    const line = lineOf('inlined.c', 'int outer(int n)');
    const elsewhere = await symbols.functionAt('/somewhere/else/symbols/inlined.c', line, bin('inlined-gcc-O0'));
    assert.equal(elsewhere.file, src('inlined.c'));
    assert.equal(elsewhere.function.name, 'outer');
  });

  it('lineAddresses(): the is_stmt addresses of a line, in its function, with file offsets', async () => {
    const line = lineOf('shapes.c', 'return strlen(s)');
    const result = await symbols.lineAddresses(src('shapes.c'), line, bin('shapes-nopie'));
    assert.ok(result.addresses.length >= 1);
    const { functions } = await symbols.functions(bin('shapes-nopie'));
    const text = only(functions, (f) => f.name === 'text', 'text');
    for (const address of result.addresses) {
      assert.equal(address.function, 'text');
      assert.ok(address.address > text.address && address.address < text.address + text.size);
      assert.equal(address.fileOffset, readelfOffset(bin('shapes-nopie'), address.address));
    }
    const blank = await symbols.lineAddresses(src('shapes.c'), lineOf('shapes.c', 'Eight integers') , bin('shapes-nopie'));
    assert.deepEqual(blank.addresses, []);
    assert.ok(blank.nextLine > blank.previousLine);
  });

  it('a reproducible build with a relative comp_dir (like Debian\'s libc: "./csu") keeps relative paths, not doubled ones', async () => {
    execFileSync('gcc', ['-g', '-O0', `-fdebug-prefix-map=${SRC}=./csu`, '-o', bin('relative'), 'shapes.c'], { cwd: SRC });
    const { functions } = await symbols.functions(bin('relative'));
    const scalars = only(functions, (f) => f.name === 'scalars', 'scalars');
    assert.equal(scalars.file, 'csu/shapes.c');
    const at = await symbols.functionAt(src('shapes.c'), scalars.line + 2, bin('relative'));
    assert.equal(at.function.name, 'scalars');
    assert.equal(at.file, 'csu/shapes.c');
  });

  it('a source file the binary was not built from', async () => {
    await assert.rejects(symbols.functionAt(src('lib.c'), 3, bin('shapes-gcc-O0')), (error) => {
      assert.equal(error.code, 'file-not-in-binary');
      assert.match(error.message, /was not built from .*lib\.c: its DWARF names no such source file/);
      return true;
    });
  });
});

describe('symbolize(): the source frames at a file offset', () => {
  const file = src('stack-paths.c');
  /** A frame at a marker text's line in stack-paths.c. */
  const at = (fn, text, inlined = false) => ({ function: fn, file, line: lineOf('stack-paths.c', text), inlined });

  /** objdump's call instructions to `callee` in `caller`'s body: each one's return address − 1 as a file offset. */
  function callsTo(binary, caller, callee) {
    const listing = execFileSync('objdump', ['-d', '--no-show-raw-insn', `--disassemble=${caller}`, binary], { encoding: 'utf8' });
    const instructions = [...listing.matchAll(/^\s+([0-9a-f]+):\t(.*)$/gm)].map((m) => ({ address: Number.parseInt(m[1], 16), text: m[2] }));
    const calls = [];
    for (let i = 0; i + 1 < instructions.length; i++) {
      if (new RegExp(`^call\\s+[0-9a-f]+ <${callee}>$`).test(instructions[i].text)) calls.push(readelfOffset(binary, instructions[i + 1].address - 1));
    }
    assert.ok(calls.length > 0, `no call to ${callee} in ${caller} of ${binary}`);
    return calls;
  }

  before(() => {
    for (const opt of ['-O0', '-O2']) compile('gcc', ['-g', opt, '-o', bin(`stack-paths${opt}`), file]);
    compile('gcc', ['-g0', '-O2', '-o', bin('stack-paths-nodwarf'), file]);
    copyFileSync(bin('stack-paths-O2'), bin('stack-paths-stripped'));
    execFileSync('strip', ['-s', bin('stack-paths-stripped')]);
  });

  it('gcc -O0: each call to leaf on its own line, in helper (out of line here) and in other', async () => {
    const binary = bin('stack-paths-O0');
    const offsets = [...callsTo(binary, 'helper', 'leaf'), ...callsTo(binary, 'other', 'leaf'), ...callsTo(binary, 'outer', 'helper')];
    assert.deepEqual(await symbols.symbolize(binary, offsets), [
      [at('helper', 'return leaf(w) + 1;')],
      [at('other', 'return leaf(n - 1) - 5;')],
      [at('outer', 'int total = helper(n);')],
    ]);
  });

  it('gcc -O2: the inlined helper first at its call of leaf, then outer at the line that calls helper', async () => {
    const binary = bin('stack-paths-O2');
    const { functions } = await symbols.functions(binary);
    assert.equal(only(functions, (f) => f.sourceName === 'helper', 'helper').inlinedOnly, true, 'helper is inlined at -O2');
    const leaf = only(functions, (f) => f.name === 'leaf', 'leaf');
    const offsets = [...callsTo(binary, 'outer', 'leaf'), ...callsTo(binary, 'other', 'leaf'), ...callsTo(binary, 'main', 'outer'), leaf.fileOffset];
    assert.deepEqual(await symbols.symbolize(binary, offsets), [
      [at('helper', 'return leaf(w) + 1;', true), at('outer', 'int total = helper(n);')],
      [at('other', 'return leaf(n - 1) - 5;')],
      [at('main', 'printf("%d %d\\n", outer(argc), other(argc));')],
      [at('leaf', 'return v * 3 + 1;')], // at its entry: GCC's last row there is the body's first line
    ]);
  });

  it('the same frames from a separate debug file (.gnu_debuglink)', async () => {
    const dir = bin('stack-paths-debuglink');
    mkdirSync(dir);
    const app = path.join(dir, 'app');
    copyFileSync(bin('stack-paths-O2'), app);
    execFileSync('objcopy', ['--only-keep-debug', app, `${app}.debug`]);
    execFileSync('objcopy', ['--strip-all', `--add-gnu-debuglink=${app}.debug`, app]);
    assert.equal((await symbols.binaryInfo(app)).debugFile, `${app}.debug`);
    const offsets = callsTo(bin('stack-paths-O2'), 'outer', 'leaf');
    assert.deepEqual(await symbols.symbolize(app, offsets), await symbols.symbolize(bin('stack-paths-O2'), offsets));
  });

  it('without DWARF: the symbol table\'s function, no file or line; stripped: no frames; outside the file\'s code: none', async () => {
    const offsets = (binary) => [...callsTo(binary, 'outer', 'leaf'), ...callsTo(binary, 'other', 'leaf')];
    const outside = 2 ** 40;
    assert.deepEqual(await symbols.symbolize(bin('stack-paths-nodwarf'), [...offsets(bin('stack-paths-nodwarf')), outside]), [
      [{ function: 'outer', inlined: false }],
      [{ function: 'other', inlined: false }],
      [],
    ]);
    assert.deepEqual(await symbols.symbolize(bin('stack-paths-stripped'), offsets(bin('stack-paths-O2'))), [[], []]);
    assert.deepEqual(await symbols.symbolize(bin('stack-paths-O2'), []), []);
  });

  it('C++: the demangled name with parameters, as functions() gives it (g++ and clang++)', async () => {
    for (const compiler of ['g++', 'clang++']) {
      const { functions } = await symbols.functions(bin(`cxx-${compiler}`));
      const picked = ['_ZN3geo4areaEii', '_ZN3geo7biggestIlEET_S1_S1_', '_ZNK3geo5Point3dotERKS0_'].map((name) => only(functions, (f) => f.name === name, name));
      const frames = await symbols.symbolize(bin(`cxx-${compiler}`), picked.map((f) => f.fileOffset));
      assert.deepEqual(frames, picked.map((f) => [{ function: f.demangled, file: src('cxx.cpp'), line: f.line, inlined: false }]), compiler);
    }
  });

  it('a missing binary rejects; bad offsets throw TypeError at once', async () => {
    await assert.rejects(symbols.symbolize(bin('no-such-binary'), [0]), (error) => {
      assert.equal(error.code, 'binary-not-found');
      assert.match(error.message, /no-such-binary: no such file/);
      return true;
    });
    assert.throws(() => symbols.symbolize(bin('stack-paths-O0'), 4096), TypeError);
    assert.throws(() => symbols.symbolize(bin('stack-paths-O0'), [-1]), TypeError);
    assert.throws(() => symbols.symbolize(bin('stack-paths-O0'), [1.5]), TypeError);
    assert.throws(() => symbols.symbolize(bin('stack-paths-O0'), ['4096']), TypeError);
  });
});

describe('binaries without DWARF, stripped, separate debug info, shared libraries', () => {
  it('no DWARF: symbols with addresses, and a reason instead of parameters', async () => {
    const { binary, functions } = await symbols.functions(bin('nodwarf'));
    assert.equal(binary.hasDwarf, false);
    assert.equal(binary.hasSymtab, true);
    assert.match(binary.noDwarfReason, /has no DWARF debug info, so there are no parameter names, types or source lines: install its debug symbols .* or rebuild it with -g/);
    const scalars = only(functions, (f) => f.name === 'scalars', 'scalars');
    assert.equal(scalars.address, nmFunctions(bin('nodwarf')).get('scalars')[0]);
    assert.equal(scalars.file, null);
    const signature = await symbols.signature(bin('nodwarf'), 'scalars');
    assert.equal(signature.hasDwarf, false);
    assert.deepEqual(signature.params, []);
    assert.match(signature.noDwarfReason, /no DWARF/);
    await assert.rejects(symbols.functionAt(src('shapes.c'), 20, bin('nodwarf')), (error) => error.code === 'no-dwarf');
  });

  it('fully stripped: only dynamic symbols; a missing function says the binary is stripped', async () => {
    const { binary } = await symbols.functions(bin('stripped'));
    assert.equal(binary.stripped, true);
    assert.equal(binary.hasSymtab, false);
    await assert.rejects(symbols.signature(bin('stripped'), 'scalars'), (error) => {
      assert.equal(error.code, 'symbol-not-found');
      assert.match(error.message, /is stripped: it has no symbol table and no DWARF, so only its exported functions are visible\. .*install its debug symbols/);
      return true;
    });
  });

  it('separate debug info through .gnu_debuglink (next to the binary, and in .debug/)', async () => {
    for (const where of ['.', '.debug']) {
      const dir = bin(`debuglink-${where === '.' ? 'here' : 'sub'}`);
      mkdirSync(path.join(dir, where), { recursive: true });
      copyFileSync(bin('shapes-gcc-O0'), path.join(dir, 'app'));
      execFileSync('objcopy', ['--only-keep-debug', path.join(dir, 'app'), path.join(dir, where, 'app.debug')]);
      execFileSync('objcopy', ['--strip-all', `--add-gnu-debuglink=${path.join(dir, where, 'app.debug')}`, path.join(dir, 'app')]);
      const { binary, functions } = await symbols.functions(path.join(dir, 'app'));
      assert.equal(binary.debugLink, 'app.debug');
      assert.equal(binary.debugFile, path.join(dir, where, 'app.debug').replace('/./', '/'));
      assert.equal(binary.hasDwarf, true);
      const scalars = only(functions, (f) => f.name === 'scalars', 'scalars');
      assert.equal(scalars.line, lineOf('shapes.c', 'NOINLINE int scalars('));
      assert.equal(scalars.fileOffset, readelfOffset(path.join(dir, 'app'), scalars.address));
    }
  });

  it('separate debug info by build-id under a debug directory', async () => {
    const root = bin('debug-root');
    const id = readelfBuildId(bin('shapes-clang-O0'));
    mkdirSync(path.join(root, '.build-id', id.slice(0, 2)), { recursive: true });
    execFileSync('objcopy', ['--only-keep-debug', bin('shapes-clang-O0'), path.join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`)]);
    copyFileSync(bin('shapes-clang-O0'), bin('by-build-id'));
    execFileSync('strip', ['--strip-all', bin('by-build-id')]);
    const before = await symbols.binaryInfo(bin('by-build-id'));
    assert.equal(before.hasDwarf, false, 'not found without the debug directory');
    process.env.PROBE_LENS_DEBUG_DIRS = root;
    try {
      // A debug directory that gains the file makes the cached index stale only if it was looked at.
      symbols.clearCache();
      const info = await symbols.binaryInfo(bin('by-build-id'));
      assert.equal(info.buildId, id);
      assert.equal(info.hasDwarf, true);
      assert.equal(info.debugFile, path.join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
      const signature = await symbols.signature(bin('by-build-id'), 'text');
      assert.deepEqual(signature.params.map((p) => p.name), ['s', 'p', 'c']);
    } finally {
      delete process.env.PROBE_LENS_DEBUG_DIRS;
      symbols.clearCache();
    }
  });

  it('a shared library: exported and hidden functions, offsets; its user resolves calls into it', async () => {
    const { binary, functions } = await symbols.functions(bin('libwork.so'));
    assert.equal(binary.kind, 'shared-library');
    const add = only(functions, (f) => f.name === 'lib_add', 'lib_add');
    assert.equal(add.binding, 'global');
    assert.equal(add.fileOffset, readelfOffset(bin('libwork.so'), add.address));
    const hidden = only(functions, (f) => f.name === 'lib_hidden', 'lib_hidden');
    assert.equal(hidden.binding, 'local');
    assert.ok(!nmFunctions(bin('libwork.so'), true).has('lib_hidden'), 'not exported');
    const signature = await symbols.signature(bin('libwork.so'), 'lib_add');
    assert.deepEqual(signature.params.map((p) => [p.name, p.capture?.location]), [['a', { register: 'rdi' }], ['b', { register: 'rsi' }]]);
  });
});

describe('bad input and the cache', () => {
  it('a file that is not ELF, a directory, a missing path, a truncated ELF, a corrupt DWARF section', async () => {
    writeFileSync(bin('text.txt'), 'hello\n');
    await assert.rejects(symbols.functions(bin('text.txt')), { code: 'not-elf' });
    await assert.rejects(symbols.functions(work), { code: 'not-a-file' });
    await assert.rejects(symbols.functions(bin('missing')), { code: 'binary-not-found' });

    copyFileSync(bin('shapes-gcc-O0'), bin('truncated'));
    truncateSync(bin('truncated'), 700);
    await assert.rejects(symbols.functions(bin('truncated')), (error) => {
      assert.equal(error.code, 'corrupt');
      assert.match(error.message, /corrupt or truncated ELF file/);
      return true;
    });

    // Overwrite .debug_info's first unit header with garbage: its length and version.
    copyFileSync(bin('shapes-gcc-O0'), bin('bad-dwarf'));
    const sections = execFileSync('readelf', ['-SW', bin('bad-dwarf')], { encoding: 'utf8' });
    const info = /\.debug_info\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(sections);
    assert.ok(info, 'found .debug_info');
    const bytes = readFileSync(bin('bad-dwarf'));
    bytes.fill(0xff, Number.parseInt(info[1], 16), Number.parseInt(info[1], 16) + 12);
    writeFileSync(bin('bad-dwarf'), bytes);
    await assert.rejects(symbols.functions(bin('bad-dwarf')), (error) => {
      assert.equal(error.code, 'corrupt');
      assert.match(error.message, /corrupt DWARF .*strip -g/);
      return true;
    });
  });

  it('random damage anywhere never crashes the process: each read answers or rejects', async () => {
    const original = readFileSync(bin('cxx-g++'));
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 40; round++) {
      const bytes = Buffer.from(original);
      for (let i = 0; i < 64; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const file = bin(`damaged-${round}`);
      writeFileSync(file, bytes);
      try {
        const { functions } = await symbols.functions(file);
        assert.ok(Array.isArray(functions));
        await symbols.functionAt(src('../symbols/cxx.cpp'), 30, file).catch((error) => assert.ok(error.code));
      } catch (error) {
        assert.ok(['corrupt', 'not-elf', 'symbols-failed'].includes(error.code), `${error.code}: ${error.message}`);
      }
      rmSync(file);
    }
  });

  it('answers from the cache while the binary is unchanged, and fresh ones after a rebuild', async () => {
    const app = bin('rebuilt');
    compile('gcc', ['-g', '-O0', '-o', app, src('static-b.c'), '-Dcall_b=main']);
    const first = await symbols.functions(app);
    const stats = symbols.cacheStats();
    await symbols.functions(app);
    assert.equal(symbols.cacheStats().builds, stats.builds, 'no second build');
    assert.equal(symbols.cacheStats().hits, stats.hits + 1);
    assert.ok(first.functions.some((f) => f.name === 'helper'));

    // Rebuilt in place with another function name (same path, new inode and mtime).
    writeFileSync(bin('renamed.c'), 'static __attribute__((noinline)) int renamed(int q) { return q; }\nint main(void) { return renamed(0); }\n');
    compile('gcc', ['-g', '-O0', '-o', `${app}.new`, bin('renamed.c')]);
    renameSync(`${app}.new`, app);
    const second = await symbols.functions(app);
    assert.ok(second.functions.some((f) => f.name === 'renamed'));
    assert.ok(!second.functions.some((f) => f.name === 'helper'));
    assert.notEqual(second.binary.buildId, first.binary.buildId);
  });

  it('many concurrent requests for one binary build its index once', async () => {
    symbols.clearCache();
    const before = symbols.cacheStats().builds;
    const answers = await Promise.all(Array.from({ length: 16 }, () => symbols.functions(bin('cxx-clang++'))));
    assert.equal(symbols.cacheStats().builds, before + 1);
    assert.ok(answers.every((answer) => answer.functions.length === answers[0].functions.length));
  });

  it('argument errors throw TypeError at once', () => {
    assert.throws(() => symbols.functions(''), TypeError);
    assert.throws(() => symbols.functionAt('a.c', 0, '/bin/true'), TypeError);
    assert.throws(() => symbols.functionAt('a.c', 1.5, '/bin/true'), TypeError);
  });

  it('reads a system library (libc) without errors', async () => {
    const libc = execFileSync('gcc', ['-print-file-name=libc.so.6'], { encoding: 'utf8' }).trim();
    const resolved = statSync(libc).isFile() ? libc : '/lib/x86_64-linux-gnu/libc.so.6';
    const { binary, functions } = await symbols.functions(resolved);
    assert.equal(binary.kind, 'shared-library');
    assert.ok(functions.some((f) => f.name === 'printf' && f.fileOffset !== null));
  });
});
