// Smoke test of the real-VS-Code harness: code-server + headless chromium open the sample
// workspace with this repository as the extension under development, the user opens orders.c
// from quick open and runs "Probe Lens: Check System" from the command palette (F1).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { contributedCommandTitles, missingPrerequisite, startWorkbench } from './harness.mjs';

const why = missingPrerequisite();
if (why) console.log(`SKIPPED: workbench smoke test: ${why}`);

let wb;
before(async () => {
  if (why) return;
  wb = await startWorkbench({ name: 'workbench' });
  console.log(`screenshots: ${wb.shots}`);
  console.log(`timings (ms): ${JSON.stringify(wb.timings)}`);
});
after(async () => wb?.close());

test('the workbench opens the sample folder as an extension development host', { skip: why }, async () => {
  const title = await wb.page.locator('.monaco-workbench .part.titlebar .window-title, .monaco-workbench .command-center .search-label').first().textContent();
  assert.match(title, /\[Extension Development Host\]/, 'the extension development path from the payload was taken');
  assert.match(title, /sample/);
  await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'orders.c' }).waitFor();
  await wb.screenshot('workbench');
});

test('orders.c opens from quick open', { skip: why }, async () => {
  await wb.openFile('orders.c');
  assert.equal(await wb.editorLine(/long price_order\(const char \*item/).count(), 1);
  await wb.screenshot('orders.c');
});

const hasCheckSystem = contributedCommandTitles().includes('Probe Lens: Check System');
test(
  'Probe Lens: Check System from the command palette shows a report',
  { skip: why, todo: hasCheckSystem ? undefined : 'package.json does not contribute "Probe Lens: Check System" yet' },
  async () => {
    if (!hasCheckSystem) {
      console.log('SKIPPED: "Probe Lens: Check System" is not contributed yet');
      return;
    }
    const tabsBefore = await wb.page.locator('.tabs-container .tab').count();
    await wb.runCommand('Probe Lens: Check System');
    // The report is a notification, an editor (markdown, webview) or the output channel.
    const report = wb.page
      .locator('.notifications-toasts .notification-list-item-message')
      .or(wb.page.locator('.tabs-container .tab').nth(tabsBefore))
      .or(wb.page.locator('.part.panel .output-view, .part.panel .monaco-editor'));
    await report.first().waitFor({ state: 'visible', timeout: 30_000 });
    const preview = wb.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('body');
    await preview.filter({ hasText: 'uprobe' }).first().waitFor({ timeout: 5_000 }).catch(() => {});
    await wb.page.waitForTimeout(500);
    await wb.screenshot('check-system');
    const messages = await wb.notifications();
    assert.ok(!messages.some((m) => /command .* not found|Activating extension .* failed/i.test(m)), messages.join('\n'));
    // The report names each probe kind and whether this machine has it (uprobes it must have:
    // the other tests use them); it is a markdown preview (a webview) or a notification.
    const text = (await preview.count()) > 0 ? await preview.first().textContent() : messages.join('\n');
    assert.match(text, /uprobe\s*\S*\s*available/, text.slice(0, 2000));
    assert.match(text, /kprobe/, 'the report covers kernel probes too');
  },
);
