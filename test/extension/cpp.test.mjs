// UI tests on C++ in a real VS Code: two classes in two namespaces share a method name (Put),
// one of them has an overload, and each is called a different number of times a round. Probe
// This Function from each call site, then from each definition, runs the program, and reads the
// annotation on each definition's line: each method's own exact count, never another's.
// The program is built -O2 -g, so the compiler's call sites tell which Put a call means.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { missingPrerequisite, REPO, scratchWorkspace, useWorkbench } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = 3;
/** The definitions, and how many calls a round each gets. */
const METHODS = [
  { name: 'inventory::Store::Put(std::string const&, int)', definition: /^__attribute__.*int inventory::Store::Put\(const std::string &item, int amount\)/, call: /shelf\.Put\("widget", i\);/, perRound: 2 },
  { name: 'inventory::Store::Put(int)', definition: /^__attribute__.*int inventory::Store::Put\(int amount\)/, call: /shelf\.Put\(7\);/, perRound: 1 },
  { name: 'cache::Store::Put(std::string const&, std::string const&)', definition: /^__attribute__.*bool cache::Store::Put\(/, call: /kept \+= memo\.Put\("k", "value"\);/, perRound: 1 },
];

const why = missingPrerequisite() ?? (existsSync(join(REPO, 'out/extension.js')) ? undefined : 'out/extension.js is not built');
if (why) console.log(`SKIPPED: C++ UI tests: ${why}`);

describe('Probe This Function on C++ methods that share a name, in a real VS Code', { skip: why }, () => {
  let lines;
  const wb = useWorkbench('cpp', (scratch) => {
    const workspace = scratchWorkspace(scratch, 'stores', { sources: [join(here, 'fixtures', 'cpp', 'stores.cpp')], program: 'stores', compiler: 'g++', flags: ['-g', '-O2'], args: [String(ROUNDS)] });
    lines = readFileSync(join(workspace, 'stores.cpp'), 'utf8').split('\n');
    return { folder: workspace, open: 'stores.cpp' };
  });

  const lineOf = (pattern) => lines.findIndex((line) => pattern.test(line)) + 1;

  /** Right-click `Put` on the line matching `pattern` → Probe This Function. */
  async function probeAt(pattern) {
    await wb.goToLine(lineOf(pattern));
    await wb.clickWord(pattern, 'Put', { button: 'right' });
    await wb.contextMenuLabels();
    await wb.clickContextMenu('Probe This Function');
  }

  /** The annotation on each definition's line, once every count is in. */
  async function countsOnDefinitions() {
    const counts = {};
    for (const method of METHODS) {
      await wb.goToLine(lineOf(method.definition));
      const expected = method.perRound * ROUNDS;
      let text = '';
      for (const deadline = Date.now() + 15_000; Date.now() < deadline && !text.startsWith(`  ${expected} calls`); await wb.page.waitForTimeout(100)) {
        text = await wb.decorationText(method.definition);
      }
      counts[method.name] = text;
    }
    return counts;
  }

  test('from each call site: the method that call calls, each with its own exact count', async () => {
    for (const method of METHODS) await probeAt(method.call);
    // Nothing was asked: the compiler's call sites named each callee.
    assert.equal(await wb.page.locator('.quick-input-widget .monaco-list-row').filter({ visible: true }).count(), 0, 'no quick pick');
    const probes = await wb.page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
    assert.deepEqual(probes.filter((text) => /error|cannot/i.test(text)), []);
    await wb.runWithProbes();
    const counts = await countsOnDefinitions();
    await wb.screenshot('counted-from-call-sites');
    console.log(`annotations: ${JSON.stringify(counts)}`);
    for (const method of METHODS) assert.match(counts[method.name], new RegExp(`^ {2}${method.perRound * ROUNDS} calls\\b`), `${method.name}: ${counts[method.name]}`);
    await wb.runCommand('Probe Lens: Detach All Probes');
  });

  test('from each definition: the method defined there, each with its own exact count', async () => {
    for (const method of METHODS) await probeAt(method.definition);
    await wb.runWithProbes();
    const counts = await countsOnDefinitions();
    await wb.screenshot('counted-from-definitions');
    console.log(`annotations: ${JSON.stringify(counts)}`);
    for (const method of METHODS) assert.match(counts[method.name], new RegExp(`^ {2}${method.perRound * ROUNDS} calls\\b`), `${method.name}: ${counts[method.name]}`);
  });
});
