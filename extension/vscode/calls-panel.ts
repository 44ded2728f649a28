// The Calls panel (after webview-sample's single-instance panel): a webview with the live table of
// calls and returns, fed from the probe manager's rows in batches of at most ten posts a second,
// with the probes' exact counters for the latency histograms. Strict CSP with a fresh nonce from
// `crypto`, assets only from media/, every message checked (panel-messages.ts). The webview is
// not kept while hidden: it asks for the rows again when it comes back ('ready'), and keeps its
// filter and scroll position itself (setState); a serializer revives the panel after a reload.
// A selected row whose call carries a stack (its probe counts callers) gets that stack, named
// now (through the cache the Callers view uses), each frame opening its source when clicked.
// A probe that counts an argument's values (Show Value Distribution) sends them with its counters:
// the panel draws its top values and log2 histogram beside its latencies.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { RowFilter } from '../core/call-log';
import { frameRows, type SourceLocation } from '../core/callers';
import { formatCallLine } from '../core/annotation-text';
import type { CallRow } from '../core/probe-aggregate';
import { PANEL_ROW_CAPACITY, parseWebviewMessage, type HostMessage, type PanelProbe, type PanelReport, type PanelRow, type WebviewMessage } from '../core/panel-messages';
import { distributionView, toPanelRow } from '../core/panel-view';
import { Throttle } from '../core/throttle';
import { openSource } from './callers-view';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';
import { guarded, reportFailure } from './notify';
import { entryFrom } from './probes-view';

export const CALLS_VIEW_TYPE = 'probeLens.calls';
export const CALLS_PANEL_TITLE = 'Probe Lens Calls';
const POSTS_PER_SECOND = 10;
/** Rows per message when the whole log is sent (first load, webview rebuilt). */
const RESET_CHUNK = 10_000;
const REPORT_TIMEOUT_MS = 5_000;

/** What the test API tells about the panel. */
export interface PanelStatus {
  open: boolean;
  visible: boolean;
  /** The webview said it is ready and has been sent the rows. */
  ready: boolean;
  /** Batches of live rows posted so far, and the rows they carried. */
  batches: number;
  postedRows: number;
  lastBatch: PanelRow[];
}

class CallsPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly throttle: Throttle;
  private ready = false;
  private pendingAdded: CallRow[] = [];
  private readonly pendingUpdated = new Map<number, CallRow>();
  private lastProbes = '';
  /** The call log's generation the webview mirrors. */
  private sentGeneration = -1;
  private filterOnReady: RowFilter | undefined;
  private readonly reportWaiters: ((report: PanelReport) => void)[] = [];
  /** The stack last sent (the selected call's): where each of its lines is in the source. */
  private shownStack: { seq: number; locations: (SourceLocation | undefined)[] } | undefined;
  batches = 0;
  postedRows = 0;
  lastBatch: PanelRow[] = [];

  constructor(
    private readonly ctx: Ctx,
    readonly panel: vscode.WebviewPanel,
    private readonly onDisposed: () => void,
  ) {
    const media = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    panel.iconPath = vscode.Uri.joinPath(media, 'probe-lens.svg');
    panel.webview.html = this.html(panel.webview, media);
    this.throttle = new Throttle(() => this.flush(), 1000 / POSTS_PER_SECOND);
    this.disposables.push(
      { dispose: () => this.throttle.dispose() },
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        // Hidden, the webview is gone (no retainContextWhenHidden); it says 'ready' when rebuilt.
        if (!panel.visible) this.showingCalls(false);
      }),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseWebviewMessage(raw);
        if (message === undefined) {
          ctx.log.warn(`Calls panel: ignored a malformed message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
          return;
        }
        void this.handle(message);
      }),
      ctx.probes.onRows.event(({ added, updated }) => {
        if (!this.ready) return;
        for (const row of added) this.pendingAdded.push(row);
        if (this.pendingAdded.length > PANEL_ROW_CAPACITY) this.pendingAdded.splice(0, this.pendingAdded.length - PANEL_ROW_CAPACITY);
        for (const row of updated) this.pendingUpdated.set(row.seq, row);
        this.throttle.request();
      }),
      ctx.probes.onDidChangeData.event(() => this.ready && this.throttle.request()),
      ctx.probes.onDidChangeProbes.event(() => this.probesChanged()),
    );
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'dist', 'calls-panel.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'calls-panel.css'));
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${style.toString()}" rel="stylesheet">
<title>${CALLS_PANEL_TITLE}</title>
</head>
<body>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  /** While the panel shows calls, probes send them at its rate; else at the hover's. */
  private showingCalls(showing: boolean): void {
    this.ready = showing;
    void this.ctx.probes.setPanelRate(showing ? this.ctx.config.panelCallsPerSecond : undefined);
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private probesNow(): PanelProbe[] {
    return this.ctx.probes.list().map((entry) => {
      const stats = entry.aggregate.snapshot(0);
      return {
        id: entry.id,
        target: entry.spec.target,
        state: entry.state,
        calls: stats.calls,
        returns: stats.returns,
        dropped: stats.dropped,
        sampledOut: stats.sampledOut,
        histogram: [...stats.histogram],
        ...(stats.values === undefined
          ? {}
          : { distribution: distributionView({ target: entry.spec.target, state: entry.state, values: stats.values, calls: stats.matched ?? stats.calls }) }),
      };
    });
  }

  /** Everything the log holds, in chunks; then whatever filter was asked for meanwhile. */
  private sendAll(): void {
    this.pendingAdded = [];
    this.pendingUpdated.clear();
    this.sentGeneration = this.ctx.probes.log.generation;
    const rows = this.ctx.probes.log.all().map(toPanelRow);
    const probes = this.probesNow();
    this.lastProbes = JSON.stringify(probes);
    this.post({ type: 'reset', rows: rows.slice(0, RESET_CHUNK), probes, paused: this.ctx.probes.rowsPaused });
    for (let at = RESET_CHUNK; at < rows.length; at += RESET_CHUNK) this.post({ type: 'rows', added: rows.slice(at, at + RESET_CHUNK), updated: [], probes });
    if (this.filterOnReady !== undefined) {
      this.post({ type: 'setFilter', filter: this.filterOnReady });
      this.filterOnReady = undefined;
    }
  }

  /** One batch: the rows added and completed since the last, and the counters if they moved. */
  private flush(): void {
    if (!this.ready) return;
    if (this.sentGeneration !== this.ctx.probes.log.generation) return this.sendAll();
    const added = this.pendingAdded.map(toPanelRow);
    const addedSeqs = new Set(added.map((row) => row.seq));
    const updated = [...this.pendingUpdated.values()].filter((row) => !addedSeqs.has(row.seq)).map(toPanelRow);
    this.pendingAdded = [];
    this.pendingUpdated.clear();
    const probes = this.probesNow();
    const probesText = JSON.stringify(probes);
    if (added.length === 0 && updated.length === 0 && probesText === this.lastProbes) return;
    this.lastProbes = probesText;
    this.post({ type: 'rows', added, updated, probes });
    this.batches++;
    this.postedRows += added.length;
    if (added.length > 0) this.lastBatch = added;
  }

  /** A probe detached takes its rows out of the log: the next flush sends the log again. */
  private probesChanged(): void {
    if (this.ready) this.throttle.request();
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.showingCalls(true);
        this.sendAll();
        return;
      case 'pause':
        this.ctx.probes.setRowsPaused(message.paused);
        this.post({ type: 'paused', paused: message.paused });
        return;
      case 'clear':
        this.ctx.probes.log.clear();
        this.sendAll();
        return;
      case 'resetCounts':
        this.ctx.probes.resetCounts();
        this.sendAll();
        return;
      case 'export':
        await vscode.commands.executeCommand(Commands.exportCalls, { ...message.filter, format: message.format });
        return;
      case 'selectRow':
        await this.sendStack(message.seq);
        return;
      case 'openFrame': {
        const location = this.shownStack?.seq === message.seq ? this.shownStack.locations[message.index] : undefined;
        if (location !== undefined) await openSource(location).catch((error: unknown) => reportFailure(this.ctx, 'Open Source', error));
        return;
      }
      case 'report':
        for (const resolve of this.reportWaiters.splice(0)) resolve(message.report);
        return;
    }
  }

  /** The selected call's stack, named now: the only per-call naming there is, one row at a time. */
  private async sendStack(seq: number): Promise<void> {
    const row = this.ctx.probes.log.find(seq);
    const entry = row === undefined ? undefined : this.ctx.probes.get(row.probeId);
    const title = row === undefined ? `Call ${seq}` : `${entry?.spec.target ?? `probe ${row.probeId}`}: ${formatCallLine(entry?.spec.functionName ?? '', row)} · pid ${row.pid}${row.tid === row.pid ? '' : `/${row.tid}`}`;
    if (row?.stack === undefined) {
      this.shownStack = undefined;
      const note =
        row === undefined
          ? 'This call is no longer held: the oldest rows fall out.'
          : entry?.spec.stacks === true
            ? 'No stack came with this call (counted before its probe counted callers).'
            : 'No stack: its probe does not count callers. Show Callers on it to see each call\'s stack.';
      this.post({ type: 'stack', seq, title, frames: [], note });
      return;
    }
    const rows = (await this.ctx.stackNames.nameStack(row.stack)).flatMap(frameRows);
    this.shownStack = { seq, locations: rows.map((frame) => frame.location) };
    const frames = rows.map((frame) => ({ text: `${frame.label}${frame.description === '' ? '' : ` (${frame.description})`}`, hasSource: frame.location !== undefined }));
    this.post({ type: 'stack', seq, title: `${title} · ${row.stack.length} frames`, frames });
  }

  /** Shows the calls of one probe (or all): now if the webview is up, else once it is. */
  setFilter(filter: RowFilter): void {
    if (this.ready) this.post({ type: 'setFilter', filter });
    else this.filterOnReady = filter;
  }

  /** Asks the webview what it holds and draws. */
  report(): Promise<PanelReport | undefined> {
    if (!this.ready) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), REPORT_TIMEOUT_MS);
      this.reportWaiters.push((report) => {
        clearTimeout(timer);
        resolve(report);
      });
      this.post({ type: 'report' });
    });
  }

  status(): PanelStatus {
    return { open: true, visible: this.panel.visible, ready: this.ready, batches: this.batches, postedRows: this.postedRows, lastBatch: this.lastBatch };
  }

  dispose(): void {
    this.showingCalls(false);
    // Rows stop only while someone looks at a paused table.
    this.ctx.probes.setRowsPaused(false);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
    this.onDisposed();
  }
}

/** The one Calls panel: created on demand, revealed if it exists, revived after a reload. */
export class CallsPanels implements vscode.Disposable {
  private current: CallsPanel | undefined;

  constructor(private readonly ctx: Ctx) {}

  show(filter?: RowFilter): void {
    if (!existsSync(vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', 'dist', 'calls-panel.js').fsPath)) {
      throw new Error('the panel script media/dist/calls-panel.js is not built: run `npm run build`');
    }
    if (this.current === undefined) {
      const panel = vscode.window.createWebviewPanel(CALLS_VIEW_TYPE, CALLS_PANEL_TITLE, vscode.ViewColumn.Beside, { enableScripts: true, retainContextWhenHidden: false });
      this.adopt(panel);
    } else {
      this.current.panel.reveal(undefined, true);
    }
    if (filter !== undefined) this.current?.setFilter(filter);
  }

  adopt(panel: vscode.WebviewPanel): void {
    this.current?.dispose();
    const created: CallsPanel = new CallsPanel(this.ctx, panel, () => {
      if (this.current === created) this.current = undefined;
    });
    this.current = created;
  }

  status(): PanelStatus {
    return this.current?.status() ?? { open: false, visible: false, ready: false, batches: 0, postedRows: 0, lastBatch: [] };
  }

  report(): Promise<PanelReport | undefined> {
    return this.current?.report() ?? Promise.resolve(undefined);
  }

  dispose(): void {
    this.current?.dispose();
  }
}

export function activate(ctx: Ctx): CallsPanels {
  const panels = new CallsPanels(ctx);
  ctx.pushExtension(
    panels,
    vscode.window.registerWebviewPanelSerializer(CALLS_VIEW_TYPE, {
      // The webview restores its own filter and scroll position (getState).
      deserializeWebviewPanel: (panel: vscode.WebviewPanel) => {
        panels.adopt(panel);
        return Promise.resolve();
      },
    }),
    vscode.commands.registerCommand(
      Commands.showPanel,
      guarded(ctx, 'Show Calls Panel', () => {
        panels.show();
        return Promise.resolve();
      }),
    ),
    vscode.commands.registerCommand(
      Commands.openProbeInPanel,
      guarded(ctx, 'Open in Calls Panel', async (argument?: unknown) => {
        const entry = await entryFrom(ctx, argument, 'Show in the Calls panel');
        if (entry !== undefined) panels.show({ probeId: entry.id });
      }),
    ),
  );
  return panels;
}
