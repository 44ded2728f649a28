// The extension's integration tests, run inside the real extension host (code-server loads
// out/test/extension/index.js through the `payload` URL with the sample folder open). A small
// runner: each test runs in turn, its outcome is printed, and run() rejects — exit code 1 —
// when any failed. Every test drives the extension through its commands, against the real
// sample program and the real helper, and asserts on the extension's test API.

import * as vscode from 'vscode';
import type { ProbeLensApi } from '../../../extension/vscode/test-api';
import { tests as panelTests } from './calls-panel.test';
import { tests as errorTests } from './errors.test';
import { tests as helperTests } from './helper.test';
import { tests as probeTests } from './probe-function.test';
import { tests as systemTests } from './system.test';

export interface TestContext {
  api: ProbeLensApi;
  sample: string;
}

export type TestCase = [name: string, body: (t: TestContext) => Promise<void>];

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<ProbeLensApi>('probe-lens.probe-lens');
  if (extension === undefined) throw new Error('the extension probe-lens.probe-lens is not loaded');
  const api = await extension.activate();
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) throw new Error('no workspace folder: open sample/');
  const context: TestContext = { api, sample: folder.uri.fsPath };
  const all: TestCase[] = [...probeTests, ...panelTests, ...errorTests, ...systemTests, ...helperTests];
  const only = process.env['PROBE_LENS_TEST_FILTER'];
  let failed = 0;
  for (const [name, body] of all) {
    if (only !== undefined && only !== '' && !name.includes(only)) continue;
    const started = Date.now();
    try {
      await body(context);
      console.log(`ok - ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed++;
      console.log(`not ok - ${name} (${Date.now() - started} ms)\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      await vscode.commands.executeCommand('probeLens.detachAll');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  }
  console.log(`${all.length - failed} passed, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} extension test(s) failed`);
}
