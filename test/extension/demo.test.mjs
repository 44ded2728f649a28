// The README's "run the product" command, as a new user runs it: `npm run demo` (scripts/demo.sh)
// sets up, builds, packs the extension, installs the .vsix into code-server and prints a URL.
// The test opens that URL in headless chromium, probes price_order in the sample and starts the
// sample's launch.json program with "Run with Probes": calls appear beside the function.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, killTree, missingPrerequisite, openWorkbench, REPO } from './harness.mjs';

const why = missingPrerequisite();
if (why) console.log(`SKIPPED: demo test: ${why}`);

let demo;
let wb;
let profile;
let output = '';
const timings = {};

before(async () => {
  if (why) return;
  profile = mkdtempSync(join(tmpdir(), 'probe-lens-demo-'));
  const started = performance.now();
  demo = spawn('bash', ['scripts/demo.sh'], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(await freePort()), PROBE_LENS_DEMO_DIR: profile },
  });
  demo.stdout.on('data', (chunk) => (output += chunk));
  demo.stderr.on('data', (chunk) => (output += chunk));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL from npm run demo in 10 minutes:\n${output}`)), 600_000);
    const look = () => {
      const match = output.match(/^Open:\s+(\S+)/m);
      if (match && /HTTP server listening/.test(output)) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    demo.stdout.on('data', look);
    demo.stderr.on('data', look);
    demo.once('exit', (code) => reject(new Error(`npm run demo exited (${code}) before serving:\n${output}`)));
  });
  timings.demoUpToUrlMs = Math.round(performance.now() - started);
  console.log(`demo URL: ${url}`);
  wb = await openWorkbench(url, { name: 'demo', timings });
  console.log(`screenshots: ${wb.shots}`);
  console.log(`timings (ms): ${JSON.stringify(timings)}`);
});

after(async () => {
  await wb?.close();
  if (demo?.pid) await killTree(demo.pid);
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('npm run demo serves VS Code with Probe Lens installed; probing price_order and Run with Probes show calls', { skip: why }, async () => {
  const SIGNATURE = /long price_order\(const char \*item, int quantity, long unit_cents\)/;
  assert.match(output, /Open:\s+http:\/\/127\.0\.0\.1:\d+\/\?folder=.*\/sample/);
  await wb.openFile('orders.c');
  await wb.screenshot('orders.c');
  await wb.clickWord(SIGNATURE, 'price_order', { button: 'right' });
  const labels = await wb.contextMenuLabels();
  const label = labels.find((l) => /^(Probe Lens: )?Probe This Function$/.test(l));
  assert.ok(label, `the installed extension adds Probe This Function to the context menu: ${JSON.stringify(labels)}`);
  await wb.clickContextMenu(label);
  await wb.runCommand('Probe Lens: Run with Probes');
  // launch.json runs orders forever, a round (5 calls) every 300 ms.
  const deadline = Date.now() + 30_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await wb.decorationText(SIGNATURE);
    const calls = Number(text.match(/^ {2}(\d+) calls/)?.[1] ?? 0);
    if (calls >= 10 && /750/.test(text)) break;
    await wb.page.waitForTimeout(200);
  }
  await wb.screenshot('run-with-probes');
  console.log(`after-line text: ${JSON.stringify(text)}`);
  assert.match(text, /^ {2}\d+ calls\b.*→ .*\b750\b/, text);
});
