// Who called it, in a real VS Code: right-click leaf → Show Callers of This Function on the
// stack-callers fixture (built with frame pointers), Run with Probes, and read what the user sees:
// the Callers view lists via_b ×5, via_a ×3 and down ×1 at their call lines, exact, counted in the
// kernel; via_b expands into its stack down to main; clicking a caller or a frame opens the
// source at that line; the hover on leaf lists the callers; and in the Calls panel a selected
// call shows its own stack, each frame opening its source.
//
// The fixture waits for a line on stdin so that the CLI's tests can attach first; Run with Probes
// holds the program before its first instruction instead, so the workspace's copy has that
// getchar() taken out (the line stays, so every line number is the fixture's).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { missingPrerequisite, REPO, scratchWorkspace, useWorkbench } from './harness.mjs';

const FIXTURE = fileURLToPath(new URL('../fixtures/stack-callers.c', import.meta.url));
const A = 3;
const B = 5;
const SIGNATURE = /^CALLED int leaf\(int x\)$/;

const FIXTURE_LINES = readFileSync(FIXTURE, 'utf8').split('\n');
/** The fixture's line holding `marker` (a comment naming the call on it), as test/support/stack-callers.mjs finds it. */
const lineOf = (marker) => FIXTURE_LINES.findIndex((text) => text.includes(`/* ${marker} */`)) + 1;
const LEAF_LINE = FIXTURE_LINES.findIndex((text) => SIGNATURE.test(text)) + 1;
/** Where the probe sits in leaf (frame 0): its first line's code, by the compiler's line table (the signature, the brace or the return). */
const LEAF_ENTRY = new RegExp(`^leaf[ |(]+stack-callers\\.c:(${LEAF_LINE}|${LEAF_LINE + 1}|${LEAF_LINE + 2})\\)?$`);

const why = missingPrerequisite() ?? (existsSync(join(REPO, 'out/extension.js')) ? undefined : 'out/extension.js is not built');
if (why) console.log(`SKIPPED: Show Callers UI test: ${why}`);

describe('Show Callers, in a real VS Code', { skip: why }, () => {
  const wb = useWorkbench('callers', (scratch) => {
    mkdirSync(join(scratch, 'src'));
    const source = readFileSync(FIXTURE, 'utf8');
    assert.match(source, /^\tgetchar\(\);$/m);
    writeFileSync(join(scratch, 'src/stack-callers.c'), source.replace(/^\tgetchar\(\);$/m, '\t/* Run with Probes holds the program: nothing to wait for */'));
    const folder = scratchWorkspace(scratch, 'callers', {
      sources: [join(scratch, 'src/stack-callers.c')],
      program: 'stack-callers',
      flags: ['-g', '-O2', '-fno-omit-frame-pointer'],
      args: [String(A), String(B)],
    });
    return { folder, open: 'stack-callers.c' };
  });

  /** The Callers view's rows drawn now: label and description of each. */
  async function callersRows() {
    const pane = wb.page.locator('.pane', { has: wb.page.locator('.pane-header .title', { hasText: /^Callers$/ }) });
    return pane.locator('.monaco-list-row').evaluateAll((rows) =>
      rows.map((row) => `${row.querySelector('.label-name')?.textContent ?? ''} | ${row.querySelector('.label-description')?.textContent ?? ''}`.trim()),
    );
  }

  async function waitForCallers(predicate, what, timeout = 20_000) {
    let rows = [];
    for (const deadline = Date.now() + timeout; Date.now() < deadline; await wb.page.waitForTimeout(200)) {
      rows = await callersRows();
      if (predicate(rows)) return rows;
    }
    assert.fail(`the Callers view never showed ${what}; it shows:\n${rows.join('\n')}`);
  }

  function callersRow(label) {
    const pane = wb.page.locator('.pane', { has: wb.page.locator('.pane-header .title', { hasText: /^Callers$/ }) });
    return pane.locator('.monaco-list-row', { has: wb.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
  }

  /** Waits until the active editor is stack-callers.c with the cursor on `line`. */
  async function waitForCursorLine(line) {
    const position = wb.page.locator('.statusbar-item[id="status.editor.selection"]');
    let text = '';
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await wb.page.waitForTimeout(100)) {
      text = ((await position.textContent().catch(() => '')) ?? '').trim();
      if (text.startsWith(`Ln ${line},`)) break;
    }
    assert.match(text, new RegExp(`^Ln ${line}, Col 1`), 'the cursor on the call\'s line');
    const active = await wb.page.locator('.tabs-container .tab.active').first().getAttribute('aria-label');
    assert.match(active ?? '', /^stack-callers\.c/);
  }

  test('Show Callers of This Function on leaf, then a run: each caller exact, at its call\'s line', async () => {
    await wb.goToLine(LEAF_LINE);
    await wb.clickWord(SIGNATURE, 'leaf', { button: 'right' });
    const labels = await wb.contextMenuLabels();
    assert.ok(labels.includes('Show Callers of This Function'), labels.join(' | '));
    await wb.clickContextMenu('Show Callers of This Function');
    await waitForCallers((rows) => rows.some((row) => row.startsWith('leaf |')) && rows.some((row) => row.startsWith('No call counted by stack yet')), 'leaf, waiting for calls');
    await wb.screenshot('callers-before-run');

    await wb.runWithProbes();
    const rows = await waitForCallers((shown) => shown.some((row) => row.startsWith('via_b |')) && shown.some((row) => row.startsWith('down |')), 'the three callers');
    await wb.screenshot('callers');
    const n = A + B + 1;
    assert.deepEqual(rows, [
      `leaf | ${n} calls by stack · exact · ended`,
      `via_b | ×${B} · ${Math.round((100 * B) / n)}% · stack-callers.c:${lineOf('leaf from via_b')}`,
      `via_a | ×${A} · ${Math.round((100 * A) / n)}% · stack-callers.c:${lineOf('leaf from via_a')}`,
      `down | ×1 · ${Math.round(100 / n)}% · stack-callers.c:${lineOf('leaf from down')}`,
    ]);
    // The probe in the Probes view offers Show Callers too.
    const probesPane = wb.page.locator('.pane', { has: wb.page.locator('.pane-header .title', { hasText: /^Probes$/ }) });
    const probeRow = probesPane.locator('.monaco-list-row', { hasText: 'leaf' }).first();
    await probeRow.hover();
    assert.equal(await probeRow.locator('.action-label[aria-label="Show Callers"]').count(), 1);
  });

  test('via_b expands into its whole stack, down to main; a click on a caller or a frame opens its line', async () => {
    await callersRow('via_b').first().locator('.monaco-tl-twistie').click();
    const stackRow = callersRow(`×${B}`).first();
    await stackRow.waitFor({ timeout: 5_000 });
    await stackRow.locator('.monaco-tl-twistie').click();
    await callersRow('main').first().waitFor({ timeout: 5_000 });
    await wb.screenshot('via_b-stack');
    const rows = await callersRows();
    const at = rows.findIndex((row) => row.startsWith(`×${B} |`));
    assert.match(rows[at], /^×5 \| via_b ← main\b/);
    assert.match(rows[at + 1], LEAF_ENTRY);
    assert.deepEqual(rows.slice(at + 2, at + 4), [
      `via_b | stack-callers.c:${lineOf('leaf from via_b')}`,
      `main | stack-callers.c:${lineOf('via_b from main')}`,
    ]);

    await wb.goToLine(1);
    await callersRow('via_b').first().locator('.label-name').click();
    await waitForCursorLine(lineOf('leaf from via_b'));
    await wb.screenshot('opened-via_b');
    await callersRow('main').first().locator('.label-name').click();
    await waitForCursorLine(lineOf('via_b from main'));
  });

  test('the hover on leaf lists its callers, and the line its exact calls', async () => {
    await wb.goToLine(LEAF_LINE);
    const decoration = await wb.decorationText(SIGNATURE);
    assert.match(decoration, new RegExp(`^ {2}${A + B + 1} calls\\b`), decoration);
    await wb.hoverWord(SIGNATURE, 'leaf');
    const hover = wb.page.locator('.monaco-hover-content', { hasText: 'Called from' });
    await hover.first().waitFor({ timeout: 10_000 });
    const text = (await hover.first().textContent()).replace(/\s+/g, ' ');
    await wb.screenshot('hover');
    assert.ok(
      text.includes(`Called from via_b ×${B} (stack-callers.c:${lineOf('leaf from via_b')}), via_a ×${A} (stack-callers.c:${lineOf('leaf from via_a')}), down ×1 (stack-callers.c:${lineOf('leaf from down')})`),
      text,
    );
    await wb.escape();
  });

  test('in the Calls panel, a selected call shows its stack; a frame opens its line', async () => {
    await wb.runCommand('Probe Lens: Show Calls Panel');
    const frame = wb.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    // leaf(4) is called only by via_b (i runs to B - 1; via_a's to A - 1).
    const call = frame.locator('tbody tr', { has: frame.locator('td:nth-child(5)', { hasText: /^x=4$/ }) });
    await call.first().waitFor({ timeout: 15_000 });
    await call.first().click();
    const lines = frame.locator('.stack-pane .stack-frames li');
    await lines.nth(2).waitFor({ timeout: 10_000 });
    await wb.screenshot('call-stack');
    const title = await frame.locator('.stack-pane .stack-title').textContent();
    assert.match(title, /leaf\(x=4\) → 5 · pid \d+ · \d+ frames$/);
    const texts = (await lines.allTextContents()).map((text) => text.trim());
    assert.match(texts[0], LEAF_ENTRY);
    assert.deepEqual(texts.slice(1, 3), [
      `via_b (stack-callers.c:${lineOf('leaf from via_b')})`,
      `main (stack-callers.c:${lineOf('via_b from main')})`,
    ]);
    await lines.nth(1).locator('a').click();
    await waitForCursorLine(lineOf('leaf from via_b'));
    await wb.screenshot('opened-from-panel');
  });
});
