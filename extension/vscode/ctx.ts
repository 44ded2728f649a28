// The extension's context, with two cleanup lifetimes (after rust-analyzer's Ctx): the
// extension's own, ended on deactivate, and one helper session's — what belongs to a single
// LanguageClient, ended when that client is stopped or replaced. Also the shared services:
// settings, the log, the helper, the probes, and the names of their counted stacks.

import * as vscode from 'vscode';
import { ProbeManager } from '../core/probe-manager';
import { ProbeStackNames } from '../core/stack-names';
import { loadSymbolsAddon } from '../core/symbols-addon';
import { Throttle } from '../core/throttle';
import { Commands } from './command-ids';
import { Config } from './config';
import { HelperService } from './helper-service';

const HELPER_SETTINGS = ['privilege', 'helperPath', 'maxEventsPerSecond'];
const STACK_NAMING_INTERVAL_MS = 500;

export class Ctx implements vscode.Disposable {
  readonly config = new Config();
  readonly log: vscode.LogOutputChannel;
  readonly helper: HelperService;
  readonly probes: ProbeManager;
  /** Callers and stacks named, renamed only when a probe's counted stacks change (read by the hover, the Callers view, the Calls panel). */
  readonly stackNames: ProbeStackNames;
  private sessionSubscriptions: vscode.Disposable[] = [];
  /** Error notifications shown, newest last (the test API reads them). */
  readonly shownErrors: string[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Probe Lens', { log: true });
    this.extension.subscriptions.push(this.log);
    this.helper = new HelperService(this);
    this.probes = new ProbeManager(this.helper);
    this.probes.log.setMaxRowsPerSecond(this.config.maxEventsPerSecond);
    this.probes.captureLimits = this.config.captureLimits;
    this.stackNames = new ProbeStackNames(this.probes, (binary, offsets) => loadSymbolsAddon().symbolize(binary, offsets));
    // Stats come at most twice a second per probe; names follow at that pace, only for stacks that changed.
    const naming = new Throttle(() => void this.stackNames.refresh(), STACK_NAMING_INTERVAL_MS);
    this.pushExtension(
      { dispose: () => naming.dispose() },
      this.probes.onDidChangeData.event(() => naming.request()),
      this.probes.onDidChangeProbes.event(() => naming.request()),
      this.helper,
      this.config.onDidChange((changed) => {
        if (changed('maxEventsPerSecond')) this.probes.log.setMaxRowsPerSecond(this.config.maxEventsPerSecond);
        if (changed('capture')) this.probes.captureLimits = this.config.captureLimits;
        if (this.helper.processId() !== undefined && HELPER_SETTINGS.some(changed)) void this.offerHelperRestart();
      }),
    );
  }

  /** The helper reads these when it starts: a change needs a new helper, which the user may want now. */
  private async offerHelperRestart(): Promise<void> {
    const restart = 'Restart Helper';
    const answer = await vscode.window.showInformationMessage('Probe Lens: the helper must restart for this setting to take effect; its probes are detached.', restart);
    if (answer === restart) await vscode.commands.executeCommand(Commands.restartHelper);
  }

  /** Lives until the extension deactivates. */
  pushExtension(...disposables: vscode.Disposable[]): void {
    this.extension.subscriptions.push(...disposables);
  }

  /** Lives until the current helper session ends. */
  pushSession(...disposables: vscode.Disposable[]): void {
    this.sessionSubscriptions.push(...disposables);
  }

  endSession(): void {
    const ending = this.sessionSubscriptions;
    this.sessionSubscriptions = [];
    for (const disposable of ending.reverse()) disposable.dispose();
  }

  dispose(): void {
    this.endSession();
  }
}
