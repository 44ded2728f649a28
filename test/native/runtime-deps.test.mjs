// scripts/check-runtime-deps.sh, which npm run package runs on the shipped binaries, on this
// machine's development build: it passes what that build needs with this machine's glibc as the
// baseline, and refuses it against the package's baseline, glibc 2.31, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HELPER = path.join(REPO, 'native', 'build', 'probe-lens-helper');
const ADDON = path.join(REPO, 'out', 'probe-lens-symbols.node');
/** This machine's glibc, e.g. 2.36. */
const GLIBC = execFileSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' }).trim().replace(/^glibc /, '');

function check(binary, baseline, ...allowed) {
  const result = spawnSync('bash', [path.join(REPO, 'scripts', 'check-runtime-deps.sh'), binary, '--glibc', baseline, ...allowed], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

test(`the development helper passes with this machine's glibc (${GLIBC}) as the baseline, and is refused at 2.31 for its newer symbols`, () => {
  const passed = check(HELPER, GLIBC, 'libc.so.6', 'ld-linux-x86-64.so.2');
  assert.equal(passed.status, 0, passed.output);
  const newest = /newest glibc symbol: (2\.\d+) /.exec(passed.output)?.[1];
  assert.ok(Number(newest.split('.')[1]) >= 34, `built against glibc ${GLIBC}, the helper's newest symbol is ${newest}: __libc_start_main@GLIBC_2.34 at least`);
  const refused = check(HELPER, '2.31', 'libc.so.6', 'ld-linux-x86-64.so.2');
  assert.equal(refused.status, 1, refused.output);
  assert.match(refused.output, new RegExp(`needs glibc ${newest.replace('.', '\\.')}, newer than the baseline 2\\.31`));
});

test('the development addon is refused for a shared library beyond glibc\'s', () => {
  const refused = check(ADDON, GLIBC, 'libc.so.6', 'libm.so.6', 'libpthread.so.0', 'ld-linux-x86-64.so.2');
  assert.equal(refused.status, 1, refused.output);
  assert.match(refused.output, /needs libdw\.so\.1, which a user's machine may lack/);
});
