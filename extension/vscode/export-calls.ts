// "Export Calls…": the recorded call rows (all probes, or one) as JSON lines or CSV, to a file
// chosen in a save dialog. The rows are the ones the Calls panel shows; counts stay in the
// Probes view (exact, from the kernel).

import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { rowMatches, toCsv, toExportRow, toJsonExportRow, toJsonLines, type RowFilter } from '../core/call-log';
import { Cancelled } from '../core/editor-target';
import { ProbeLensError } from '../core/errors';
import { parseFilter } from '../core/panel-messages';
import { Commands } from './command-ids';
import type { Ctx } from './ctx';
import { guarded } from './notify';

export async function exportCalls(ctx: Ctx, filter: RowFilter, target?: string, format: 'jsonl' | 'csv' = 'jsonl'): Promise<{ file: string; rows: number }> {
  const entries = new Map(ctx.probes.list().map((entry) => [entry.id, entry]));
  const nameOf = (probeId: number): string => entries.get(probeId)?.spec.target ?? `probe ${probeId}`;
  const rows = ctx.probes.log.all().filter((row) => rowMatches(row, filter, nameOf(row.probeId)));
  if (rows.length === 0) throw new ProbeLensError('usage', 'There are no calls to export yet: probe a function and run the program first.');
  let file = target;
  if (file === undefined) {
    const uri = await vscode.window.showSaveDialog({
      title: `Export ${rows.length} calls`,
      filters: format === 'csv' ? { CSV: ['csv'], 'JSON lines': ['jsonl'] } : { 'JSON lines': ['jsonl'], CSV: ['csv'] },
      defaultUri: vscode.Uri.file(`${vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? ''}/probe-lens-calls.${format}`),
    });
    if (uri === undefined) throw new Cancelled();
    file = uri.fsPath;
  }
  const csv = file.toLowerCase().endsWith('.csv');
  await writeFile(
    file,
    csv ? toCsv(rows.map((row) => toExportRow(row, nameOf(row.probeId)))) : toJsonLines(rows.map((row) => toJsonExportRow(row, nameOf(row.probeId), entries.get(row.probeId)?.spec.capture))),
  );
  ctx.log.info(`Exported ${rows.length} calls to ${file}`);
  return { file, rows: rows.length };
}

export function activate(ctx: Ctx): void {
  ctx.pushExtension(
    vscode.commands.registerCommand(
      Commands.exportCalls,
      guarded(ctx, 'Export Calls', async (argument?: unknown) => {
        // From the Calls panel: its filter (probe, pid, text) and the format asked for.
        const options = typeof argument === 'object' && argument !== null ? (argument as { file?: unknown; format?: unknown }) : {};
        const filter: RowFilter = parseFilter(argument) ?? {};
        const format = options.format === 'csv' ? 'csv' : 'jsonl';
        const result = await exportCalls(ctx, filter, typeof options.file === 'string' ? options.file : undefined, format);
        void vscode.window.showInformationMessage(`Probe Lens: exported ${result.rows} calls to ${vscode.workspace.asRelativePath(result.file)}.`);
        return result;
      }),
    ),
  );
}
