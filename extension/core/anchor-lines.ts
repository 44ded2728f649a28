// Keeps a probe's line right while the user edits the file: lines inserted or deleted above an
// anchor move it; an edit that removes the anchor's own line leaves it at the edit's start.
// The DWARF line was right for the file as built; edits since then are replayed here.

export interface LineEdit {
  /** 0-based first and last line the replaced range touched. */
  startLine: number;
  endLine: number;
  /** Lines in the new text minus one (the number of line breaks it holds). */
  newLineBreaks: number;
}

/** The anchor's 0-based line after one edit. */
export function shiftLine(line: number, edit: LineEdit): number {
  if (line < edit.startLine) return line;
  const removed = edit.endLine - edit.startLine;
  if (line > edit.endLine) return line - removed + edit.newLineBreaks;
  // The anchor's line itself was edited: it stays at its line if that survived, else the edit's start.
  return line === edit.startLine ? line : Math.min(line, edit.startLine + edit.newLineBreaks);
}

/** Per document: original line → current line, for the anchors that moved. */
export class AnchorLines {
  private readonly moved = new Map<string, Map<number, number>>();

  current(file: string, originalLine: number): number {
    return this.moved.get(file)?.get(originalLine) ?? originalLine;
  }

  /** Applies the edits of one change event (VS Code reports them in the order to apply). */
  apply(file: string, originalLines: readonly number[], edits: readonly LineEdit[]): boolean {
    let map = this.moved.get(file);
    let changed = false;
    for (const original of originalLines) {
      let line = map?.get(original) ?? original;
      for (const edit of edits) line = shiftLine(line, edit);
      if (line !== (map?.get(original) ?? original)) {
        if (map === undefined) this.moved.set(file, (map = new Map<number, number>()));
        map.set(original, line);
        changed = true;
      }
    }
    return changed;
  }

  /** The file was reloaded from disk or closed: lines are the built ones again. */
  reset(file: string): void {
    this.moved.delete(file);
  }
}
