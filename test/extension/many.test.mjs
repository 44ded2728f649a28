// Probe All Functions in This File, in a real VS Code: a C file of 24 functions with known call
// counts; the editor's context menu probes them all in one go, Run with Probes runs the
// program, and every function's line shows its own exact count. The Probes view groups the
// file's probes, most called first, and detaches them in one click.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { escapeRegExp, missingPrerequisite, REPO, scratchWorkspace, useWorkbench } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = 3;

const why = missingPrerequisite() ?? (existsSync(join(REPO, 'out/extension.js')) ? undefined : 'out/extension.js is not built');
if (why) console.log(`SKIPPED: Probe All Functions UI tests: ${why}`);

describe('Probe All Functions in This File, in a real VS Code', { skip: why }, () => {
  let workspace;
  /** Each function, its definition's line pattern and its calls over the run. */
  let functions;

  const wb = useWorkbench('many', (scratch) => {
    workspace = scratchWorkspace(scratch, 'ledger', { sources: [join(here, 'fixtures', 'ledger', 'ledger.c')], program: 'ledger', args: [String(ROUNDS)] });
    const source = readFileSync(join(workspace, 'ledger.c'), 'utf8');
    functions = [...source.matchAll(/^__attribute__\(\(noinline\)\) long (\w+)\(long value\)$/gm)].map((match, index) => ({
      name: match[1],
      definition: new RegExp(`^${escapeRegExp(match[0])}$`),
      calls: ((index % 5) + 1) * ROUNDS,
    }));
    assert.equal(functions.length, 24);
    return { folder: workspace, open: 'ledger.c' };
  });

  test('from the context menu: every function of the file probed, each line with its own exact count', async () => {
    await wb.goToLine(1);
    await wb.clickWord(/^#include <stdio.h>$/, 'stdio', { button: 'right' });
    assert.ok((await wb.contextMenuLabels()).includes('Probe All Functions in This File'));
    await wb.clickContextMenu('Probe All Functions in This File');
    const probesRow = wb.page.locator('.pane-body .monaco-list-row', { hasText: 'ledger.c' });
    await wb.page.locator('.activitybar .action-item .action-label[aria-label^="Probe Lens"]').click({ force: true });
    await probesRow.first().waitFor({ timeout: 20_000 });
    assert.match(await probesRow.first().textContent(), /ledger\.c.*25 probes/, 'the 24 functions and main, grouped under their file');

    assert.match(await wb.runWithProbes(), /total \d+[\s\S]*exited with status 0$/);

    const shown = {};
    for (const fn of functions) {
      await wb.goToLine(1);
      await wb.goToLine(readFileSync(join(workspace, 'ledger.c'), 'utf8').split('\n').findIndex((line) => fn.definition.test(line)) + 1);
      let text = '';
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && !text.startsWith(`  ${fn.calls} calls`); await wb.page.waitForTimeout(100)) {
        text = await wb.decorationText(fn.definition);
      }
      shown[fn.name] = text.match(/^ {2}(\d+) calls\b/)?.[1];
    }
    await wb.screenshot('every-function-counted');
    assert.deepEqual(shown, Object.fromEntries(functions.map((fn) => [fn.name, String(fn.calls)])));
  });

  test('the Probes view: the file\'s functions most called first; one click detaches them all', async () => {
    const rows = wb.page.locator('.pane-body .monaco-list-row');
    const labels = (await rows.allTextContents()).map((text) => text.trim());
    const fileRow = labels.findIndex((text) => text.startsWith('ledger.c'));
    assert.ok(fileRow >= 0, labels.join(' | '));
    assert.match(labels[fileRow], /25 probes · 25 called · \d+ calls/);
    const firstCounts = labels.slice(fileRow + 1, fileRow + 6).map((text) => Number(text.match(/(\d+) calls/)?.[1]));
    assert.deepEqual(firstCounts, [5 * ROUNDS, 5 * ROUNDS, 5 * ROUNDS, 5 * ROUNDS, 4 * ROUNDS], `hottest first: ${labels.slice(fileRow, fileRow + 6).join(' | ')}`);
    await rows.nth(fileRow).hover();
    await rows.nth(fileRow).locator('.action-label[aria-label="Detach All in This File"]').click();
    await wb.page.locator('.pane-body .monaco-list-row', { hasText: 'ledger.c' }).waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await wb.decorationText(functions[0].definition), '', 'the annotations are gone');
  });
});
