// How an argument's values spread, in a real VS Code: right-click count_me → Show Value
// Distribution… on a small program that calls count_me(tag, n) for n = 0..99 once each, then 42
// nine times more, 7 five times more and 3 three times more (117 calls). Only n is a number (tag
// is a string), so nothing is asked. The Calls panel opens on the probe; after Run with Probes it
// shows the top values with their exact counts (42 ×10, 7 ×6, 3 ×4, …) and the exact log2
// histogram, [0] 1, [1] 1, [2, 4) 5, … [64, 128) 36, every bucket between drawn; the hover on
// count_me adds the line with the top values and buckets. After Reset Counts a second run counts
// the values again (still on after the probe was re-aimed): the same numbers, not twice them.
// From the palette on scale(a, b), two numbers, the user picks b: 1000 ×4, all in [512, 1K).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { missingPrerequisite, REPO, scratchWorkspace, useWorkbench } from './harness.mjs';

const PROGRAM = `/* count_me(tag, n): n = 0..99 once each, then 42, 7 and 3 again. */
#include <stdio.h>

__attribute__((noinline)) int count_me(const char *tag, int n)
{
	return tag[0] + n;
}

__attribute__((noinline)) long scale(int a, long b)
{
	return a * b;
}

int main(void)
{
	volatile int sink = 0;

	for (int n = 0; n < 100; n++)
		sink += count_me("each", n);
	for (int i = 0; i < 9; i++)
		sink += count_me("again", 42);
	for (int i = 0; i < 5; i++)
		sink += count_me("again", 7);
	for (int i = 0; i < 3; i++)
		sink += count_me("again", 3);
	for (int i = 0; i < 4; i++)
		sink += scale(i, 1000);
	printf("%d\\n", sink);
	return 0;
}
`;
const CALLS = 100 + 9 + 5 + 3;
const SIGNATURE = /^__attribute__\(\(noinline\)\) int count_me\(/;
const SCALE = /^__attribute__\(\(noinline\)\) long scale\(/;
/** 0..99 by bucket, and the calls again: 3 in [2, 4), 7 in [4, 8), 42 in [32, 64). */
const HISTOGRAM = [
  ['[0]', 1],
  ['[1]', 1],
  ['[2, 4)', 2 + 3],
  ['[4, 8)', 4 + 5],
  ['[8, 16)', 8],
  ['[16, 32)', 16],
  ['[32, 64)', 32 + 9],
  ['[64, 128)', 36],
];

const why = missingPrerequisite() ?? (existsSync(join(REPO, 'out/extension.js')) ? undefined : 'out/extension.js is not built');
if (why) console.log(`SKIPPED: Show Value Distribution UI test: ${why}`);

describe('Show Value Distribution, in a real VS Code', { skip: why }, () => {
  let workspace;
  const wb = useWorkbench('distribution', (scratch) => {
    mkdirSync(join(scratch, 'src'));
    writeFileSync(join(scratch, 'src/dist.c'), PROGRAM);
    workspace = scratchWorkspace(scratch, 'distribution', { sources: [join(scratch, 'src/dist.c')], program: 'dist' });
    return { folder: workspace, open: 'dist.c' };
  });

  const panel = () => wb.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

  /** The distribution the panel draws: its title, value rows (`value | calls | share`), notes and bars (`label | count`). */
  async function drawn() {
    return panel()
      .locator('.distribution')
      .first()
      .evaluate((block) => ({
        title: block.querySelector('.histogram-title')?.textContent ?? '',
        top: [...block.querySelectorAll('.top-values tbody tr')].map((tr) => [...tr.children].map((cell) => cell.textContent).join(' | ')),
        notes: [...block.querySelectorAll('.distribution-note')].map((note) => note.textContent),
        bars: [...block.querySelectorAll('.bar-label')].map((label) => [label.textContent, Number(label.nextElementSibling?.nextElementSibling?.textContent)]),
      }))
      .catch(() => undefined);
  }

  async function waitForDistribution(predicate, what, timeout = 20_000) {
    let shown;
    for (const deadline = Date.now() + timeout; Date.now() < deadline; await wb.page.waitForTimeout(200)) {
      shown = await drawn();
      if (shown !== undefined && predicate(shown)) return shown;
    }
    assert.fail(`the Calls panel never showed ${what}; it shows:\n${JSON.stringify(shown, null, 1)}`);
  }

  function assertExact(shown) {
    assert.match(shown.title, new RegExp(`^dist:count_me: n over ${CALLS} calls · counted in the kernel, exact`));
    assert.deepEqual(shown.top.slice(0, 3), ['42 | 10 | 8.5%', '7 | 6 | 5.1%', '3 | 4 | 3.4%']);
    // Two of the values called once fill the five the kernel sends; which two, it does not say.
    assert.equal(shown.top.length, 5);
    for (const row of shown.top.slice(3)) assert.match(row, /^\d+ \| 1 \| 0\.9%$/);
    assert.deepEqual(shown.notes, [`${CALLS - 10 - 6 - 4 - 2} calls of values not listed.`]);
    assert.deepEqual(shown.bars, HISTOGRAM);
  }

  test('right-click count_me → Show Value Distribution…, a run: the exact top values and log2 histogram of n', async () => {
    const lines = readFileSync(join(workspace, 'dist.c'), 'utf8').split('\n');
    await wb.goToLine(lines.findIndex((line) => SIGNATURE.test(line)) + 1);
    await wb.clickWord(SIGNATURE, 'count_me', { button: 'right' });
    const labels = await wb.contextMenuLabels();
    assert.ok(labels.includes('Show Value Distribution…'), labels.join(' | '));
    assert.ok(labels.indexOf('Show Value Distribution…') === labels.indexOf('Show Callers of This Function') + 1, `beside Show Callers: ${labels.join(' | ')}`);
    await wb.clickContextMenu('Show Value Distribution…');
    // n is the only number (tag is a string): no question; the panel opens on the probe.
    const before = await waitForDistribution((shown) => shown.notes.some((note) => note.startsWith('No value counted yet')), 'the probe waiting for calls');
    await wb.screenshot('distribution-before-run');
    assert.match(before.title, /^dist:count_me: n over 0 calls/);
    assert.deepEqual([before.top, before.bars], [[], []]);
    assert.equal(await panel().locator('select').first().evaluate((select) => select.selectedOptions[0]?.textContent), 'dist:count_me', 'the panel shows that probe');

    await wb.runWithProbes();
    const shown = await waitForDistribution((drawnNow) => drawnNow.title.includes(`over ${CALLS} calls`) && drawnNow.title.endsWith('(ended)'), `${CALLS} calls, ended`);
    await wb.screenshot('distribution');
    assertExact(shown);
    // Every bucket has a bar, scaled to the fullest ([32, 64) with 41).
    const widths = await panel().locator('.distribution .bar-fill').evaluateAll((fills) => fills.map((fill) => fill.style.width));
    assert.equal(widths.length, HISTOGRAM.length);
    assert.match(widths[6], /^100(\.0)?%$/);
  });

  test('the hover on count_me adds the top values and buckets; the Probes view offers it on the probe', async () => {
    await wb.hoverWord(SIGNATURE, 'count_me');
    const hover = wb.page.locator('.monaco-hover-content', { hasText: 'log2' });
    await hover.first().waitFor({ timeout: 10_000 });
    const text = (await hover.first().textContent()).replace(/\s+/g, ' ');
    await wb.screenshot('hover');
    assert.ok(text.includes('n: 42 ×10, 7 ×6, 3 ×4 … · log2 [32, 64) ×41, [64, 128) ×36, [16, 32) ×16 …'), text);
    await wb.escape();
    const probesPane = wb.page.locator('.pane', { has: wb.page.locator('.pane-header .title', { hasText: /^Probes$/ }) });
    const probeRow = probesPane.locator('.monaco-list-row', { hasText: 'count_me' }).first();
    // force: the badge with the live count lies over the icon.
    if (!(await probeRow.isVisible())) await wb.page.locator('.activitybar .action-item .action-label[aria-label^="Probe Lens"]').click({ force: true });
    await probeRow.waitFor({ timeout: 10_000 });
    await probeRow.hover();
    await wb.screenshot('probes-view');
    assert.equal(await probeRow.locator('.action-label[aria-label="Show Value Distribution…"]').count(), 1);
  });

  test('Reset Counts, a second run: n counted again from 0, the values still on after the probe was re-aimed', async () => {
    await panel().locator('button', { hasText: 'Reset Counts' }).click();
    const reset = await waitForDistribution((shown) => shown.title.includes('over 0 calls'), 'no calls after Reset Counts');
    assert.deepEqual([reset.top, reset.bars], [[], []]);
    await wb.runWithProbes();
    const shown = await waitForDistribution((drawnNow) => drawnNow.title.includes(`over ${CALLS} calls`) && drawnNow.title.endsWith('(ended)'), `${CALLS} calls again, ended`);
    await wb.screenshot('distribution-second-run');
    assertExact(shown);
  });

  test('from the palette on scale(a, b): which argument? b, then 1000 ×4 in [512, 1K)', async () => {
    await wb.clickWord(SCALE, 'scale');
    await wb.runCommand('Probe Lens: Show Value Distribution…');
    const rows = wb.page.locator('.quick-input-widget .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 20_000 });
    const title = await wb.page.locator('.quick-input-widget .quick-input-title').textContent();
    assert.equal(title, 'Count the values of which argument of scale?');
    const labels = await rows.locator('.label-name').allTextContents();
    assert.deepEqual(labels.map((label) => label.trim()), ['a', 'b']);
    await wb.screenshot('which-argument');
    await rows.nth(1).click();
    const before = await waitForDistribution((shown) => shown.title.startsWith('dist:scale: b over 0 calls'), 'scale\'s b, waiting for calls');
    assert.deepEqual(before.top, []);
    await wb.runWithProbes();
    const shown = await waitForDistribution((drawnNow) => drawnNow.title.startsWith('dist:scale: b over 4 calls') && drawnNow.title.endsWith('(ended)'), 'b over 4 calls');
    await wb.screenshot('scale-b');
    assert.deepEqual([shown.top, shown.notes, shown.bars], [['1000 | 4 | 100%'], [], [['[512, 1K)', 4]]]);
  });
});
