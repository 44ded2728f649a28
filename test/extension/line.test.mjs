// Probe This Line and Probe This Function If… in a real VS Code, on the sample. The line probe
// (`total += price;` inside the order loop) is a logpoint that never stops the program: the line
// shows its exact hits and the variables at the latest hit, which the test knows from the
// program's data, and the hover lists the last hits. The conditional probe (price_order if
// quantity > 3) counts every call and shows only those that meet it, decided in the kernel.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { missingPrerequisite, REPO, SAMPLE, scratchWorkspace, useWorkbench } from './harness.mjs';

const ROUNDS = 3;
/** Per round, three orders are accepted: 750, 1999 and 810 cents (sprocket, 12 × 75 less 10 %). */
const HITS = 3 * ROUNDS;
const LINE = /^\s+total \+= price;$/;

const why = missingPrerequisite() ?? (existsSync(join(REPO, 'out/extension.js')) ? undefined : 'out/extension.js is not built');
if (why) console.log(`SKIPPED: Probe This Line UI test: ${why}`);

describe('Probe This Line and Probe This Function If…, in a real VS Code', { skip: why }, () => {
  let workspace;
  const wb = useWorkbench('line', (scratch) => {
    workspace = scratchWorkspace(scratch, 'sample', { sources: [join(SAMPLE, 'orders.c')], program: 'orders', args: [String(ROUNDS), '0'] });
    return { folder: workspace, open: 'orders.c' };
  });

  test('the line shows its exact hits and the variables at the last one', async () => {
    const source = readFileSync(join(workspace, 'orders.c'), 'utf8').split('\n');
    await wb.goToLine(source.findIndex((line) => LINE.test(line)) + 1);
    await wb.clickWord(LINE, 'total', { button: 'right' });
    assert.ok((await wb.contextMenuLabels()).includes('Probe This Line'));
    await wb.clickContextMenu('Probe This Line');
    let text = '';
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && text !== '  0 hits'; await wb.page.waitForTimeout(100)) text = await wb.decorationText(LINE);
    assert.equal(text, '  0 hits', 'attached, nothing counted yet');

    await wb.runWithProbes();
    // The program ends, and its probe with it: the line settles on the exact count, the last hit and that it ended.
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && !text.endsWith('(ended)'); await wb.page.waitForTimeout(100)) text = await wb.decorationText(LINE);
    await wb.screenshot('line-probed');
    assert.match(text, new RegExp(`^ {2}${HITS} hits\\b`), text);
    assert.match(text, new RegExp(`last: price=810, total=2749, round=${ROUNDS - 1} \\(ended\\)$`), text);

    await wb.hoverWord(LINE, 'price');
    const hover = wb.page.locator('.monaco-hover-content', { hasText: 'Probe Lens' });
    await hover.first().waitFor({ timeout: 10_000 });
    const hoverText = await hover.first().textContent();
    await wb.screenshot('line-hover');
    assert.match(hoverText, new RegExp(`${HITS} hits`));
    assert.match(hoverText, /Last hits:/);
    assert.match(hoverText, /price=1999, total=750/);
    await wb.escape();
    await wb.runCommand('Probe Lens: Detach All Probes');
  });

  test('price_order if quantity > 3: every call counted, the matched ones exact, in the label and the line', async () => {
    const signature = /^__attribute__\(\(noinline\)\) long price_order\(/;
    const source = readFileSync(join(workspace, 'orders.c'), 'utf8').split('\n');
    await wb.goToLine(source.findIndex((line) => signature.test(line)) + 1);
    await wb.clickWord(signature, 'price_order', { button: 'right' });
    await wb.clickContextMenu('Probe This Function If…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('quantity > 3');
    await input.press('Enter');
    let text = '';
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !text.includes('0 of 0 calls matched'); await wb.page.waitForTimeout(100)) text = await wb.decorationText(signature);
    await wb.runWithProbes();
    // Five orders a round; quantity > 3: sprocket (12, 810 cents) and gizmo (7, rejected: -1).
    const matched = 2 * ROUNDS;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && !text.startsWith(`  ${matched} of ${5 * ROUNDS} calls matched`); await wb.page.waitForTimeout(100)) text = await wb.decorationText(signature);
    await wb.screenshot('conditional-probe');
    assert.match(text, new RegExp(`^ {2}${matched} of ${5 * ROUNDS} calls matched\\b`), text);
    assert.match(text, new RegExp(`→ 810 ×${ROUNDS}, -1 ×${ROUNDS}`), text);
    await wb.page.locator('.activitybar .action-item .action-label[aria-label^="Probe Lens"]').click({ force: true });
    const row = wb.page.locator('.pane-body .monaco-list-row', { hasText: 'price_order if quantity > 3' });
    await row.first().waitFor({ timeout: 10_000 });
    assert.match(await row.first().textContent(), /price_order if quantity > 3/);
  });
});
