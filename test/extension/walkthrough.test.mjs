// The walkthrough a new user meets after installing (contributes.walkthroughs): opened as a user
// would, from the command palette, it lists the steps from Check System to the Calls panel, and
// each step shows its media. A screenshot per step.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { missingPrerequisite, REPO, startWorkbench } from './harness.mjs';

const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const walkthrough = manifest.contributes?.walkthroughs?.[0];
const why = missingPrerequisite() ?? (walkthrough ? undefined : 'package.json contributes no walkthrough yet');
if (why) console.log(`SKIPPED: walkthrough: ${why}`);

let wb;

before(async () => {
  if (why) return;
  wb = await startWorkbench({ name: 'walkthrough' });
  console.log(`screenshots: ${wb.shots}`);
});

after(async () => {
  await wb?.close();
});

test('the walkthrough takes a new user from Check System to the Calls panel, every step with its media', { skip: why }, async () => {
  const titles = walkthrough.steps.map((step) => step.title);
  assert.deepEqual(titles, ['Check your system', 'Build the program with debug info', 'Probe This Function', 'Run the program and watch the calls', 'Open the Calls panel']);
  for (const step of walkthrough.steps) {
    const media = step.media.svg ?? step.media.markdown ?? step.media.image;
    assert.ok(readFileSync(join(REPO, media), 'utf8').length > 100, `${media} exists`);
    assert.ok(step.completionEvents?.length > 0, `${step.id} completes on a command`);
  }

  await wb.runCommand('Welcome: Open Walkthrough...');
  const input = wb.page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(walkthrough.title);
  await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: walkthrough.title }).first().click();
  const page = wb.page.locator('.gettingStartedContainer');
  await page.getByText(walkthrough.title).first().waitFor({ timeout: 20_000 });
  for (const title of titles) await page.getByText(title, { exact: true }).first().waitFor({ timeout: 10_000 });
  await wb.screenshot('walkthrough');
  for (const [index, title] of titles.entries()) {
    await page.getByText(title, { exact: true }).first().click();
    await wb.page.waitForTimeout(700);
    await wb.screenshot(`step-${index + 1}-${walkthrough.steps[index].id}`);
  }
});
