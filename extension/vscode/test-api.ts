// What activate() returns: a read-only view for the integration tests that run inside the
// extension host (test/extension/suite), so they assert on exactly what the user sees — the
// decoration text per line, the hover, the Probes view's rows, the helper's state — and can
// simulate a helper crash. Nothing here changes behaviour.

import * as vscode from 'vscode';
import type { PanelReport } from '../core/panel-messages';
import type { ProbeEntry } from '../core/probe-manager';
import type { CallersModel } from '../core/callers';
import type { ValueCounts } from '../core/value-totals';
import type { CallersView } from './callers-view';
import type { CallsPanels, PanelStatus } from './calls-panel';
import type { Ctx } from './ctx';
import type { Decorations, RenderedLine } from './decorations';
import { describeEntry, describeFile, probeTree } from './probes-view';

export interface ProbeSnapshot {
  id: number;
  target: string;
  functionName: string;
  state: ProbeEntry['state'];
  reason: string | undefined;
  calls: number;
  returns: number;
  dropped: number;
  sampledOut: number;
  topReturns: { value: string; count: number }[];
  recent: { args: string; ret: string | undefined }[];
  source: { file: string; line: number } | undefined;
  filter: { pid: number } | undefined;
  tree: { label: string; description: string };
  /** With Show Value Distribution: the counted argument's values since the last reset. */
  values: ValueCounts | undefined;
}

/** A row of the Probes view's top level: a probe, or a file's group with its probes in order. */
export interface TreeRow {
  label: string;
  description: string;
  children?: { label: string; description: string }[];
}

export interface ProbeLensApi {
  probes(): ProbeSnapshot[];
  /** The Probes view as drawn: files with several probes grouped, hottest first. */
  probeTree(): TreeRow[];
  /** Decorations drawn now in the visible editor of `file` (rendered first if pending). */
  decorations(file: string): RenderedLine[];
  decorationUpdates(): number;
  hover(file: string, line: number): Promise<string | undefined>;
  helperState(): string;
  helperPid(): number | undefined;
  shownErrors(): string[];
  panelRows(): number;
  /** The Calls panel: open, ready, the batches of rows posted to its webview. */
  panel(): PanelStatus;
  /** What the panel's webview holds and draws now (asked through the webview itself). */
  panelReport(): Promise<PanelReport | undefined>;
  /** The extension host's process id (the benchmark reads its CPU time from /proc). */
  pid(): number;
  /** The last Check System report (markdown). */
  systemReport(): string | undefined;
  /** The Callers view: each probe that counts its callers, as drawn. */
  callers(): ({ probeId: number } & CallersModel)[];
}

export function createTestApi(ctx: Ctx, decorations: Decorations, panelRows: () => number, systemReport: () => string | undefined, panels: CallsPanels, callers: CallersView): ProbeLensApi {
  return {
    probes: () =>
      ctx.probes.list().map((entry) => {
        const snapshot = entry.aggregate.snapshot();
        const { label, description } = describeEntry(entry);
        return {
          id: entry.id,
          target: entry.spec.target,
          functionName: entry.spec.functionName,
          state: entry.state,
          reason: entry.reason,
          calls: snapshot.calls,
          returns: snapshot.returns,
          dropped: snapshot.dropped,
          sampledOut: snapshot.sampledOut,
          topReturns: snapshot.topReturns,
          recent: snapshot.recent.map((row) => ({ args: row.args, ret: row.ret })),
          source: entry.spec.source,
          filter: entry.filter === undefined ? undefined : { pid: entry.filter.pid },
          tree: { label, description },
          values: snapshot.values,
        };
      }),
    probeTree: () =>
      probeTree(ctx.probes.list()).map((node) => {
        const row = (entry: ProbeEntry): TreeRow => {
          const { label, description } = describeEntry(entry);
          return { label, description };
        };
        return 'kind' in node ? { ...describeFile(node), children: node.entries.map(row) } : row(node);
      }),
    decorations: (file) => {
      decorations.flush();
      return decorations.rendered.get(vscode.Uri.file(file).toString()) ?? [];
    },
    decorationUpdates: () => decorations.updates,
    hover: async (file, line) => decorations.hoverText(await vscode.workspace.openTextDocument(vscode.Uri.file(file)), line),
    helperState: () => ctx.helper.state,
    helperPid: () => ctx.helper.processId(),
    shownErrors: () => [...ctx.shownErrors],
    panelRows,
    panel: () => panels.status(),
    panelReport: () => panels.report(),
    pid: () => process.pid,
    systemReport,
    callers: () => callers.models(),
  };
}
