// The extension's integration tests, run inside the real extension host of a real VS Code
// (code-server + chromium): out/test/extension/index.js's run() is loaded through the page
// URL's payload (extensionTestsPath) with the sample folder open, and its exit code, reported
// through codeAutomationExit, must be 0. Two fixture modules first prove the route reports a
// pass as 0 and a failure as 1, so a pass below means something.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { missingPrerequisite, REPO, SAMPLE, startWorkbench } from './harness.mjs';

const why = missingPrerequisite();
if (why) console.log(`SKIPPED: extension-host tests: ${why}`);

/** Runs `testsPath` in the extension host; resolves with { code, log, timings }. */
async function runInHost(name, testsPath, { timeoutMs = 8 * 60_000 } = {}) {
  const wb = await startWorkbench({ name, extensionTestsPath: testsPath });
  console.log(`screenshots and logs: ${wb.shots}`);
  const started = performance.now();
  try {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no exit code from ${testsPath} after ${timeoutMs / 1000} s`)), timeoutMs);
    });
    const closed = new Promise((_, reject) => wb.page.once('close', () => reject(new Error('the workbench page closed'))));
    const code = await Promise.race([wb.exitCode, timeout, closed]).finally(() => clearTimeout(timer));
    wb.timings.testsMs = Math.round(performance.now() - started);
    await wb.screenshot('after-tests').catch(() => {});
    return { code, log: wb.automationLog.join(''), timings: wb.timings };
  } finally {
    await wb.close();
  }
}

test('the payload route reports a passing extension-host module as exit code 0', { skip: why }, async () => {
  const { code, log } = await runInHost('in-host-fixture-pass', join(REPO, 'test/extension/fixtures/host-check/pass.js'));
  assert.equal(code, 0, log);
  assert.match(log, /host-check: VS Code 1\.100\.\d+/);
});

test('the payload route reports a failing extension-host module as exit code 1', { skip: why }, async () => {
  const { code, log } = await runInHost('in-host-fixture-fail', join(REPO, 'test/extension/fixtures/host-check/fail.js'));
  assert.equal(code, 1, log);
  assert.match(log, /failing on purpose/);
});

const suite = join(REPO, 'out/test/extension/index.js');
const notBuilt = existsSync(suite) ? undefined : `${suite} is not built (the extension's integration tests are not there yet)`;
if (!why && notBuilt) console.log(`SKIPPED: extension integration tests: ${notBuilt}`);

test('the extension integration tests (out/test/extension/index.js) pass in the real extension host', { skip: why ?? notBuilt }, async () => {
  // The suite probes the sample program, as a user would after building it (sample/build is not in git).
  execFileSync('make', ['-s', '-C', SAMPLE], { stdio: 'inherit' });
  const { code, log, timings } = await runInHost('in-host', suite);
  console.log(log.trimEnd().split('\n').map((line) => `  [host] ${line}`).join('\n'));
  console.log(`timings (ms): ${JSON.stringify(timings)}`);
  assert.equal(code, 0, `extension-host tests exited with ${code}`);
});
