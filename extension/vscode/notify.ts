// Failures of what the user just asked for, as notifications that say what to do next (with a
// button for it); everything also goes to the log. Never an exception out of a command.

import * as vscode from 'vscode';
import { ProbeLensError } from '../core/errors';
import { Cancelled } from '../core/editor-target';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';

interface Action {
  title: string;
  run: () => Thenable<unknown>;
}

function actionsFor(error: ProbeLensError): Action[] {
  const openSettings = (query: string): Action => ({ title: 'Open Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', query) });
  // Codes without a next step beyond the message itself fall through to none.
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check
  switch (error.code) {
    case 'no-privilege':
    case 'permission-denied':
    case 'feature-unavailable':
      return [{ title: 'Check System', run: () => vscode.commands.executeCommand(Commands.checkSystem) }, openSettings('probeLens.privilege')];
    case 'no-binary-for-source':
      return [{ title: 'Run Build Task', run: () => vscode.commands.executeCommand('workbench.action.tasks.build') }, openSettings('probeLens.binaries')];
    case 'no-dwarf':
    case 'stripped':
      return [{ title: 'Probe Function in Binary…', run: () => vscode.commands.executeCommand(Commands.probeFunctionInBinary) }];
    case 'helper-not-found':
    case 'helper-failed':
      return [{ title: 'Show Log', run: () => vscode.commands.executeCommand(Commands.showLog) }, openSettings('probeLens.helperPath')];
    default:
      return [];
  }
}

/** Shows the failure of a command; a cancelled pick is not a failure. */
export function reportFailure(ctx: Ctx, what: string, error: unknown): void {
  if (error instanceof Cancelled) return;
  const message = error instanceof Error ? error.message : String(error);
  ctx.log.error(`${what}: ${message}`);
  if (!(error instanceof ProbeLensError) && error instanceof Error && error.stack !== undefined) ctx.log.error(error.stack);
  const actions = error instanceof ProbeLensError ? actionsFor(error) : [{ title: 'Show Log', run: () => vscode.commands.executeCommand(Commands.showLog) }];
  const text = `Probe Lens: ${what}: ${message}`;
  ctx.shownErrors.push(text);
  // Not awaited: the notification stays until dismissed, the command is over now.
  void vscode.window.showErrorMessage(text, ...actions.map((action) => action.title)).then((chosen) => actions.find((action) => action.title === chosen)?.run());
}

/** Wraps a command handler so that failures become notifications. */
export function guarded<A extends unknown[], R>(ctx: Ctx, what: string, handler: (...args: A) => Promise<R>): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (error) {
      reportFailure(ctx, what, error);
      return undefined;
    }
  };
}
