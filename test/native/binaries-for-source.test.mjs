// Finding the binaries built from a source file in a workspace the test lays out: a build
// directory named by compile_commands.json, a launch.json program, a copy under node_modules
// (ignored), a binary from another source, an object file, and an explicit choice.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findBinariesForSource, findElfFiles, launchJsonPrograms, pickBinaryForSource } from '../../out/test-core/binaries-for-source.mjs';
import { loadSymbolsAddon } from '../../out/test-core/symbols-addon.mjs';

const symbols = loadSymbolsAddon();
let root;
const at = (...parts) => path.join(root, ...parts);

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'probe-lens-workspace-'));
  for (const dir of ['src', 'build', 'bin', 'other', 'node_modules/dep', '.vscode']) mkdirSync(at(dir), { recursive: true });
  writeFileSync(at('src', 'app.c'), 'int work(int a) { return a + 1; }\nint main(void) { return work(1) - 2; }\n');
  writeFileSync(at('other', 'tool.c'), 'int main(void) { return 0; }\n');
  execFileSync('gcc', ['-g', '-o', at('build', 'app'), 'src/app.c'], { cwd: root });
  execFileSync('gcc', ['-g', '-O2', '-o', at('bin', 'app-release'), at('src', 'app.c')]);
  execFileSync('gcc', ['-g', '-c', '-o', at('build', 'app.o'), at('src', 'app.c')]);
  execFileSync('gcc', ['-g', '-o', at('other', 'tool'), at('other', 'tool.c')]);
  copyFileSync(at('build', 'app'), at('node_modules', 'dep', 'app'));
  writeFileSync(
    at('build', 'compile_commands.json'),
    JSON.stringify([{ directory: at('build'), file: '../src/app.c', command: 'gcc -g -o app ../src/app.c' }]),
  );
  writeFileSync(
    at('.vscode', 'launch.json'),
    '// comments and trailing commas, as VS Code allows\n{ "configurations": [ { "name": "release", "program": "${workspaceFolder}/bin/app-release", }, { "program": "${command:pickProcess}" } ] }\n',
  );
  // The release binary is older: order within the same trust goes newest first.
  utimesSync(at('bin', 'app-release'), new Date(2020, 0, 1), new Date(2020, 0, 1));
});

after(() => rmSync(root, { recursive: true, force: true }));

describe('binaries for a source file', () => {
  it('finds ELF executables, skipping node_modules and object files', async () => {
    const found = (await findElfFiles(root)).map((file) => path.relative(root, file)).sort();
    assert.deepEqual(found, ['bin/app-release', 'build/app', 'other/tool']);
  });

  it('reads launch.json programs with ${workspaceFolder}, skipping debugger-only variables', async () => {
    assert.deepEqual(await launchJsonPrograms(root), [at('bin', 'app-release')]);
  });

  it('every binary whose DWARF names the file, with where it was found, most trusted first', async () => {
    const candidates = await findBinariesForSource(at('src', 'app.c'), symbols, { workspaceRoots: [root] });
    assert.deepEqual(
      candidates.map((c) => [path.relative(root, c.path), c.foundBy]),
      [
        ['bin/app-release', ['launch.json', 'workspace']],
        ['build/app', ['compile_commands.json', 'workspace']],
      ],
    );
    assert.equal(candidates[0].sourceInBinary, at('src', 'app.c'));
    // A single launch.json program decides.
    assert.equal(pickBinaryForSource(at('src', 'app.c'), candidates, [root]).path, at('bin', 'app-release'));
  });

  it('an explicit binary wins; several equal candidates are an error that lists them', async () => {
    const explicit = await findBinariesForSource(at('src', 'app.c'), symbols, { workspaceRoots: [root], explicit: ['build/app'] });
    assert.equal(pickBinaryForSource(at('src', 'app.c'), explicit, [root]).path, at('build', 'app'));
    const tie = [
      { path: '/a', foundBy: ['workspace'], sourceInBinary: '/s.c', mtimeMs: 2 },
      { path: '/b', foundBy: ['workspace'], sourceInBinary: '/s.c', mtimeMs: 1 },
    ];
    assert.throws(() => pickBinaryForSource('/s.c', tie, [root]), (error) => error.code === 'ambiguous' && /\/a, \/b; choose one with --binary/.test(error.message));
  });

  it('a source file no binary was built from', async () => {
    writeFileSync(at('src', 'unused.c'), 'int unused(void) { return 0; }\n');
    const candidates = await findBinariesForSource(at('src', 'unused.c'), symbols, { workspaceRoots: [root] });
    assert.deepEqual(candidates, []);
    assert.throws(() => pickBinaryForSource(at('src', 'unused.c'), candidates, [root]), (error) => error.code === 'no-binary-for-source' && /--binary/.test(error.message));
  });
});
