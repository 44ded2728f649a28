// From a cursor in C++ source to the function probed (extension/core/editor-target.ts), on a
// real binary: the method defined on the cursor's line, never another one with the same short
// name; at a call naming several functions, the user's choice among qualified names.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveEditorProbe } from '../../out/test-core/editor-target.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'probe-lens-editor-target-'));
const source = path.join(work, 'same-names.cpp');
const binary = path.join(work, 'same-names');
let lines;

before(() => {
  copyFileSync(path.join(here, '..', 'fixtures', 'editor', 'same-names.cpp'), source);
  execFileSync('g++', ['-g', '-O0', '-o', binary, source], { cwd: work });
  lines = readFileSync(source, 'utf8').split('\n');
});

/** The cursor on `word` in the first line that contains `text` (1-based line). */
function cursorOn(text, word = 'Put') {
  const index = lines.findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `no line with ${text}`);
  const lineText = lines[index];
  return { file: source, line: index + 1, lineText, character: lineText.indexOf(word, lineText.indexOf(text)) + 1 };
}

async function probed(position, pick, inBinary = binary) {
  const offered = [];
  const probe = await resolveEditorProbe(position, {
    workspaceRoots: [work],
    explicit: [inBinary],
    chooseBinary: async () => assert.fail('one binary only'),
    chooseFunction: async (candidates) => {
      offered.push(...candidates.map((fn) => fn.demangled));
      return candidates.find((fn) => fn.demangled.startsWith(pick ?? '\0'));
    },
  });
  return { text: probe.plans[0].text, functionName: probe.plans[0].functionName, line: probe.anchor.line, offered };
}

test('on a definition: the method defined on that line, whatever else is called Put', async () => {
  for (const [definition, qualified] of [
    ['bool db::Table::Put(', 'db::Table::Put'],
    ['bool db::LoggedTable::Put(', 'db::LoggedTable::Put'],
    ['bool kv::Store::Put(const std::string &key, const std::string &value)', 'kv::Store::Put'],
    ['bool kv::Store::Put(const std::string &key, long value)', 'kv::Store::Put'],
  ]) {
    const position = cursorOn(definition);
    const { functionName, offered, line } = await probed(position);
    assert.deepEqual(offered, [], `${definition}: nothing to ask`);
    assert.ok(functionName.startsWith(`${qualified}(`), `${definition} probed ${functionName}`);
    assert.equal(line, position.line);
  }
  const overload = await probed(cursorOn('bool kv::Store::Put(const std::string &key, long value)'));
  assert.match(overload.functionName, /long\)$/, 'the overload taking a long, not its twin');
  // Labels read as written: no std::__cxx11::basic_string<char, std::char_traits<char>, …>.
  assert.equal(overload.text, 'same-names:kv::Store::Put(std::string const&, long)');
  assert.equal(overload.functionName, 'kv::Store::Put(std::string const&, long)');
});

test('on a call naming several functions: the user picks among qualified names, never a guess', async () => {
  const { functionName, offered } = await probed(cursorOn('yes += store.Put("key"'), 'kv::Store::Put(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, long)');
  assert.ok(offered.length >= 4, `offered ${offered.join(' | ')}`);
  for (const name of ['db::Table::Put', 'db::LoggedTable::Put', 'kv::Store::Put']) assert.ok(offered.some((o) => o.startsWith(`${name}(`)), `${name} offered`);
  assert.match(functionName, /^kv::Store::Put\(.*long\)$/);
  await assert.rejects(probed(cursorOn('return table->Put(')), /cancelled/, 'no choice made: nothing probed');
});

test('on a call in an optimized build: the callee the compiler recorded there (DWARF call sites), nothing asked', async () => {
  for (const [compiler, name] of [['g++', 'same-names-gcc-O2'], ['clang++', 'same-names-clang-O2']]) {
    const optimized = path.join(work, name);
    execFileSync(compiler, ['-g', '-O2', '-o', optimized, source], { cwd: work });
    for (const [call, word, expected] of [
      ['yes += store.Put("key", "value")', 'Put', /^kv::Store::Put\(std::string const&, std::string const&\)$/],
      ['yes += store.Put("n", 42L)', 'Put', /^kv::Store::Put\(std::string const&, long\)$/],
      ['return Table::Put(key, value)', 'Put', /^db::Table::Put\(std::string const&, std::string const&\)$/],
    ]) {
      const { functionName, offered } = await probed(cursorOn(call, word), undefined, optimized);
      assert.deepEqual(offered, [], `${compiler}: ${call} asked among ${offered.join(' | ')}`);
      assert.match(functionName, expected, `${compiler}: ${call}`);
    }
    // A virtual call names no callee: the user is asked, and no choice probes nothing.
    await assert.rejects(probed(cursorOn('return table->Put('), undefined, optimized), /cancelled/);
  }
});

test('on a prototype in a header: the function in the workspace binary that defines it', async () => {
  const project = mkdtempSync(path.join(tmpdir(), 'probe-lens-header-'));
  for (const file of ['store.h', 'store.c', 'main.c']) copyFileSync(path.join(here, '..', 'fixtures', 'editor', 'header', file), path.join(project, file));
  execFileSync('gcc', ['-g', '-O0', '-o', path.join(project, 'app'), 'main.c', 'store.c'], { cwd: project });
  const header = path.join(project, 'store.h');
  const headerLines = readFileSync(header, 'utf8').split('\n');
  const at = (word) => {
    const index = headerLines.findIndex((line) => line.includes(`${word}(`));
    return { file: header, line: index + 1, lineText: headerLines[index], character: headerLines[index].indexOf(word) + 2 };
  };
  const options = { workspaceRoots: [project], explicit: [], chooseBinary: async () => assert.fail('one binary defines it'), chooseFunction: async () => assert.fail('one function') };
  const probe = await resolveEditorProbe(at('store_put'), options);
  assert.equal(probe.binary, path.join(project, 'app'));
  assert.equal(probe.plans[0].functionName, 'store_put');
  assert.equal(path.basename(probe.anchor.file), 'store.c', 'the annotation goes where the function is defined');
  await assert.rejects(resolveEditorProbe(at('store_missing'), options), /No binary built from store\.h/);
});
