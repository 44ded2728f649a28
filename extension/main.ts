// Probe Lens in VS Code: builds the context (settings, log, helper, probes), activates each
// feature, and returns the test API. Activation failures become a visible error, since VS Code
// itself says nothing when activate() throws. Deactivation detaches every probe, then stops
// the helper.

import * as vscode from 'vscode';
import { Commands } from './vscode/command-ids';
import { Ctx } from './vscode/ctx';
import * as callersView from './vscode/callers-view';
import * as callsPanel from './vscode/calls-panel';
import * as checkSystem from './vscode/check-system';
import * as chooseBinary from './vscode/choose-binary';
import * as costHint from './vscode/cost-hint';
import * as decorations from './vscode/decorations';
import * as exportCalls from './vscode/export-calls';
import * as kernelPick from './vscode/kernel-pick';
import * as probeFunction from './vscode/probe-function';
import * as probesView from './vscode/probes-view';
import * as runWithProbes from './vscode/run-with-probes';
import * as statusBar from './vscode/status-bar';
import { createTestApi, type ProbeLensApi } from './vscode/test-api';
import * as valueDistribution from './vscode/value-distribution';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): ProbeLensApi | undefined {
  try {
    ctx = new Ctx(context);
    const current = ctx;
    context.subscriptions.push(
      current,
      vscode.commands.registerCommand(Commands.showLog, () => current.log.show()),
      // Probes and their counts are kept: re-attached to the new helper once it runs.
      vscode.commands.registerCommand(Commands.restartHelper, async () => {
        await current.probes.holdForRestart('the helper is restarting');
        await current.helper.stop();
        await current.helper.start();
      }),
    );
    const drawn = decorations.activate(current);
    probeFunction.activate(current);
    chooseBinary.activate(current);
    probesView.activate(current);
    runWithProbes.activate(current);
    const report = checkSystem.activate(current);
    kernelPick.activate(current);
    exportCalls.activate(current);
    statusBar.activate(current);
    costHint.activate(current);
    const panels = callsPanel.activate(current);
    const callers = callersView.activate(current);
    valueDistribution.activate(current, panels);
    return createTestApi(current, drawn, () => current.probes.log.size, report.lastReport, panels, callers);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`Probe Lens failed to start: ${message}`);
    throw error;
  }
}

export async function deactivate(): Promise<void> {
  const current = ctx;
  ctx = undefined;
  if (current === undefined) return;
  try {
    await current.probes.detachAll();
  } finally {
    await current.helper.stop();
  }
}
