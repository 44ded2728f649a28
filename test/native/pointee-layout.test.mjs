// The addon's layout of what pointer arguments point to (native/addon, from DWARF), and the
// capture spec it becomes: a C struct with a {size, data} pair, a C++ std::string reference,
// gcc and clang, -O0 and -O2.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSymbolsAddon } from '../../out/test-core/symbols-addon.mjs';
import { captureFromSignature } from '../../out/test-core/capture-spec.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '..', 'fixtures');
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-pointee-'));
const symbols = loadSymbolsAddon();
const builds = [];

before(() => {
  for (const [compiler, level] of [['gcc', '-O0'], ['gcc', '-O2'], ['clang', '-O0'], ['clang', '-O2']]) {
    const c = path.join(work, `target-${compiler}${level}`);
    execFileSync(compiler, ['-g', level, '-o', c, path.join(fixtures, 'protocol-target.c')]);
    const cxx = path.join(work, `names-${compiler}${level}`);
    execFileSync(compiler === 'gcc' ? 'g++' : 'clang++', ['-g', level, '-o', cxx, path.join(fixtures, 'editor', 'same-names.cpp')]);
    builds.push({ name: `${compiler} ${level}`, c, cxx });
  }
});

async function firstParam(binary, name) {
  const [fn] = await symbols.lookup(binary, name);
  const signature = await symbols.signature(binary, fn.name, fn.address);
  return { param: signature.params.find((p) => !p.artificial), capture: captureFromSignature(signature) };
}

test('a pointer to a C struct with a size and a data pointer: both fields, the text, its length', async () => {
  for (const build of builds) {
    const { param, capture } = await firstParam(build.c, 'lookup');
    assert.deepEqual(param.pointee, {
      typeName: 'struct val', size: 16, textAt: 8, lengthAt: 0, textOnly: false,
      fields: [{ name: 'size', offset: 0, type: 'u64' }, { name: 'data', offset: 8, type: 'string' }],
    }, build.name);
    assert.deepEqual(capture.capture.args[0], { name: 'key', location: { register: 'rdi' }, type: 'pointer', deref: { size: 16, stringAt: 8, lengthAt: 0 } }, 'the data read by its length');
    assert.deepEqual(capture.shape.layouts.key.fields.map((f) => f.name), ['size', 'data']);
  }
});

test('a std::string by reference is read as its text, cut to its length', async () => {
  for (const build of builds) {
    const [fn] = (await symbols.lookup(build.cxx, 'Put')).filter((f) => f.demangled.startsWith('kv::Store::Put') && f.demangled.endsWith('const&)'));
    const signature = await symbols.signature(build.cxx, fn.name, fn.address);
    const key = signature.params.find((p) => p.name === 'key');
    assert.equal(key.pointee?.textOnly, true, `${build.name}: ${JSON.stringify(key)}`);
    assert.deepEqual([key.pointee.textAt, key.pointee.lengthAt, key.pointee.size], [0, 8, 32]);
  }
});
