// Live annotations (after Error Lens' decorations.ts): one decoration type — after-line text in
// the contributed theme colour plus a gutter mark — set with one call per visible editor, at most
// ten times a second whatever the event rate; a hover with the last calls (and the top callers,
// with Show Callers; the top values and log2 buckets, with Show Value Distribution). Anchors
// follow edits and everything clears when the probe is detached.

import * as vscode from 'vscode';
import { AnchorLines } from '../core/anchor-lines';
import { decorationText, hoverMarkdown, lineAnnotation, lineProbeText } from '../core/annotation-text';
import type { ProbeEntry } from '../core/probe-manager';
import { Throttle } from '../core/throttle';
import type { Ctx } from './ctx';

const UPDATES_PER_SECOND = 5;

export interface RenderedLine {
  /** 1-based, as shown in the editor now. */
  line: number;
  text: string;
  probeIds: number[];
}

export class Decorations implements vscode.Disposable {
  private readonly type: vscode.TextEditorDecorationType;
  private readonly throttle: Throttle;
  private readonly anchors = new AnchorLines();
  private readonly disposables: vscode.Disposable[] = [];
  /** What each visible document shows, by URI string (the test API reads it). */
  readonly rendered = new Map<string, RenderedLine[]>();
  /** What was last set on each editor; an editor shown again starts with none. */
  private drawn = new WeakMap<vscode.TextEditor, string>();

  constructor(private readonly ctx: Ctx) {
    this.type = vscode.window.createTextEditorDecorationType({
      gutterIconPath: vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'probe-gutter.svg'),
      gutterIconSize: '70%',
      after: { color: new vscode.ThemeColor('probeLens.annotationForeground'), fontStyle: 'normal', margin: '0 0 0 1.5em' },
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.throttle = new Throttle(() => this.render(), 1000 / UPDATES_PER_SECOND);
    const request = (): void => this.throttle.request();
    this.disposables.push(
      this.type,
      { dispose: () => this.throttle.dispose() },
      ctx.probes.onDidChangeData.event(request),
      ctx.probes.onDidChangeProbes.event(request),
      vscode.window.onDidChangeVisibleTextEditors(() => {
        this.drawn = new WeakMap();
        request();
      }),
      ctx.config.onDidChange((changed) => {
        if (changed('decoration')) request();
      }),
      vscode.workspace.onDidChangeTextDocument((event) => this.onEdit(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.anchors.reset(document.uri.fsPath)),
      vscode.languages.registerHoverProvider([{ language: 'c' }, { language: 'cpp' }], { provideHover: (document, position) => this.hover(document, position) }),
    );
  }

  /** The entries anchored in a file, by the line they show on now (0-based). */
  private entriesByLine(file: string): Map<number, ProbeEntry[]> {
    const byLine = new Map<number, ProbeEntry[]>();
    for (const entry of this.ctx.probes.list()) {
      const source = entry.spec.source;
      if (source === undefined || source.file !== file) continue;
      const line = this.anchors.current(file, source.line - 1);
      const list = byLine.get(line) ?? [];
      list.push(entry);
      byLine.set(line, list);
    }
    return byLine;
  }

  private onEdit(event: vscode.TextDocumentChangeEvent): void {
    if (event.contentChanges.length === 0) return;
    const file = event.document.uri.fsPath;
    const originals = this.ctx.probes
      .list()
      .filter((entry) => entry.spec.source?.file === file)
      .map((entry) => (entry.spec.source?.line ?? 1) - 1);
    if (originals.length === 0) return;
    // Ranges refer to the document before the event: apply from the bottom up.
    const edits = [...event.contentChanges]
      .sort((a, b) => b.range.start.line - a.range.start.line)
      .map((change) => ({ startLine: change.range.start.line, endLine: change.range.end.line, newLineBreaks: change.text.split('\n').length - 1 }));
    if (this.anchors.apply(file, originals, edits)) this.throttle.request();
  }

  /** Draws every visible editor; editors without probes get an empty list (clears old marks). */
  render(): void {
    const format = this.ctx.config.decorationFormat;
    const enabled = this.ctx.config.decorationsEnabled;
    this.rendered.clear();
    for (const editor of vscode.window.visibleTextEditors) {
      const document = editor.document;
      const lines: RenderedLine[] = [];
      const options: vscode.DecorationOptions[] = [];
      if (enabled && document.uri.scheme === 'file') {
        for (const [line, entries] of this.entriesByLine(document.uri.fsPath)) {
          if (line >= document.lineCount) continue;
          const text = lineAnnotation(
            entries.map((entry) => ({
              label: entry.spec.functionName,
              text: entry.spec.line === true ? lineProbeText(entry.aggregate.snapshot(), entry.state) : decorationText(entry.aggregate.snapshot(), format, entry.state),
            })),
          );
          const end = document.lineAt(line).range.end;
          options.push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: text } } });
          lines.push({ line: line + 1, text, probeIds: entries.map((entry) => entry.id) });
        }
      }
      // Unchanged text is not sent again: each update crosses to the renderer.
      const drawn = JSON.stringify(lines);
      if (this.drawn.get(editor) !== drawn) {
        editor.setDecorations(this.type, options);
        this.drawn.set(editor, drawn);
      }
      if (lines.length > 0) this.rendered.set(document.uri.toString(), lines.sort((a, b) => a.line - b.line));
    }
  }

  /** Renders now if an update is pending (tests read `rendered` after this). */
  flush(): void {
    this.throttle.flush();
  }

  get updates(): number {
    return this.throttle.runs;
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const entries = this.entriesByLine(document.uri.fsPath).get(position.line);
    if (entries === undefined) return undefined;
    const parts = entries.map((entry) => {
      const markdown = new vscode.MarkdownString(
        hoverMarkdown({
          functionName: entry.spec.functionName,
          target: entry.spec.target,
          state: entry.state,
          reason: entry.reason,
          snapshot: entry.aggregate.snapshot(5),
          notes: entry.spec.notes,
          entryCost: entry.spec.entryCost,
          line: entry.spec.line,
          callers: this.ctx.stackNames.get(entry.id),
        }),
      );
      markdown.isTrusted = false;
      return markdown;
    });
    return new vscode.Hover(parts, document.lineAt(position.line).range);
  }

  /** The hover's markdown for a line (1-based), as the test API reports it. */
  hoverText(document: vscode.TextDocument, line: number): string | undefined {
    const hover = this.hover(document, new vscode.Position(line - 1, 0));
    return hover?.contents.map((content) => (content instanceof vscode.MarkdownString ? content.value : typeof content === 'string' ? content : content.value)).join('\n---\n');
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}

export function activate(ctx: Ctx): Decorations {
  const decorations = new Decorations(ctx);
  ctx.pushExtension(decorations);
  return decorations;
}
