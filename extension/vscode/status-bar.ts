// The status bar item: the helper's state, live probes and events per second; a click opens the
// Probes view (or Check System when the helper failed). Recomputed once a second.

import * as vscode from 'vscode';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';

export function statusText(helperState: string, live: number, eventsPerSecond: number): string {
  if (helperState === 'failed') return '$(error) Probe Lens';
  if (helperState === 'starting' || helperState === 'restarting') return `$(loading~spin) Probe Lens: ${helperState}`;
  if (live === 0) return '$(pulse) Probe Lens';
  return `$(pulse) ${live} probe${live === 1 ? '' : 's'} · ${eventsPerSecond < 10 ? eventsPerSecond.toFixed(1) : Math.round(eventsPerSecond)} calls/s`;
}

export function activate(ctx: Ctx): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('probeLens.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Probe Lens';
  let lastTotal = 0;
  let lastAt = Date.now();
  let rate = 0;
  const update = (): void => {
    const now = Date.now();
    const total = ctx.probes.list().reduce((sum, entry) => sum + entry.aggregate.snapshot(0).calls, 0);
    if (now > lastAt) rate = Math.max(0, ((total - lastTotal) * 1000) / (now - lastAt));
    lastTotal = total;
    lastAt = now;
    const state = ctx.helper.state;
    item.text = statusText(state, ctx.probes.liveCount(), rate);
    item.tooltip = `Probe Lens helper: ${state}${ctx.helper.lastProblem !== undefined && state !== 'running' ? ` — ${ctx.helper.lastProblem}` : ''}`;
    item.command = state === 'failed' ? Commands.checkSystem : 'probeLens.probes.focus';
    item.backgroundColor = state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    if (state === 'stopped' && ctx.probes.list().length === 0) item.hide();
    else item.show();
  };
  const timer = setInterval(update, 1_000);
  ctx.pushExtension(item, { dispose: () => clearInterval(timer) }, ctx.helper.onDidChangeState.event(update), ctx.probes.onDidChangeProbes.event(update));
  update();
  return item;
}
