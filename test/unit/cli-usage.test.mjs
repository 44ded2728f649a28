// The CLI's answers to wrong command lines: exit status 2 and one plain message, never a stack
// trace, before any helper is started (so these run anywhere, without privilege); and to a
// helper that is missing or dies at once.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/probe-lens', import.meta.url));

function run(...args) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, PROBE_LENS_HELPER: '/nonexistent/helper' } });
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  return result;
}

describe('probe-lens usage errors', () => {
  const cases = [
    [['frobnicate'], 'usage', /unknown command 'frobnicate'/],
    [['probe'], 'usage', /at least one TARGET/],
    [['probe', '--bogus', './a:b'], 'usage', /Unknown option '--bogus'/],
    [['probe', './a:b', '--pid', 'abc'], 'usage', /--pid takes a process id/],
    [['probe', './a:b', '--duration', '0'], 'usage', /--duration takes a positive number/],
    [['probe', './a:b', '--duration', 'soon'], 'usage', /--duration takes a positive number/],
    [['probe', './a:b', '--'], 'usage', /nothing to run after "--"/],
    [['probe', './a:b', '--pid', '1', '--', 'true'], 'usage', /give one of them/],
    [['probe', 'nocolon'], 'bad-params', /bad target 'nocolon'/],
    [['probe', 'kernel:do sys'], 'bad-params', /expected kernel:FUNCTION/],
    [['probe', 'no-such-dir/app.c:12'], 'no-binary-for-source', /no binary built from .*app\.c was found .*--binary/],
    [['probe', 'tracepoint:sched'], 'bad-params', /expected tracepoint:CATEGORY:NAME/],
    [['probe', 'syscall:'], 'bad-params', /expected syscall:NAME/],
    [['probe', 'libdoesnotexist:f'], 'binary-not-found', /no library libdoesnotexist\.so\*/],
    [['symbols', '/nonexistent/app'], 'binary-not-found', /\/nonexistent\/app: no such file/],
    [['symbols'], 'usage', /symbols needs a BINARY/],
    [['resolve', 'notes.txt:3'], 'usage', /resolve takes FILE:LINE/],
    [['resolve', 'app.c:12', '--binary', '/nonexistent/app'], 'binary-not-found', /no such file/],
  ];
  for (const [args, code, message] of cases) {
    it(`${args.join(' ')} → ${code}`, () => {
      const human = run(...args);
      assert.equal(human.status, 2);
      assert.match(human.stderr, /^probe-lens: /);
      assert.match(human.stderr, message);
      assert.equal(human.stdout, '');

      // --json goes before any `--`, where it is ours and not the command's.
      const json = run(args[0], '--json', ...args.slice(1));
      assert.equal(json.status, 2);
      assert.equal(json.stdout, '');
      const line = JSON.parse(json.stderr);
      assert.equal(line.type, 'error');
      assert.equal(line.code, code);
      assert.match(line.message, message);
    });
  }

  it('a missing helper is exit 1 with where it was looked for', () => {
    const result = run('doctor');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /helper is missing: PROBE_LENS_HELPER points to \/nonexistent\/helper/);
  });

  it('a helper that dies before it answers (its loader refused it: an old glibc) is exit 1 with its last words', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'probe-lens-dying-helper-'));
    const helper = path.join(dir, 'probe-lens-helper');
    writeFileSync(helper, `#!/bin/sh\necho "${helper}: /lib/x86_64-linux-gnu/libc.so.6: version \\\`GLIBC_2.28' not found" >&2\nexit 1\n`, { mode: 0o755 });
    const result = spawnSync(process.execPath, [CLI, 'doctor'], { encoding: 'utf8', env: { ...process.env, PROBE_LENS_HELPER: helper, PROBE_LENS_PRIVILEGE: 'direct' } });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(result.status, 1);
    assert.equal(result.stderr, `probe-lens: the helper (${helper}) exited with status 1:\n${helper}: /lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.28' not found\n`);
  });

  it('--help and --version exit 0 on stdout', () => {
    assert.match(run('--help').stdout, /^Usage:/);
    assert.match(run('--version').stdout, /^probe-lens \d+\.\d+\.\d+\n$/);
  });
});
