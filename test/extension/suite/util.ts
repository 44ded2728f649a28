// Helpers for the in-host tests: open a file with the cursor on a word, wait for a condition.

import * as vscode from 'vscode';

/** Opens `file` and puts the cursor inside the `occurrence`-th match of `word` on a line matching `lineMatch`. */
export async function openAt(file: string, lineMatch: RegExp, word: string): Promise<{ editor: vscode.TextEditor; line: number }> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(document, { preview: false });
  for (let line = 0; line < document.lineCount; line++) {
    const text = document.lineAt(line).text;
    if (!lineMatch.test(text)) continue;
    const column = text.indexOf(word);
    if (column < 0) continue;
    const position = new vscode.Position(line, column + 1);
    editor.selection = new vscode.Selection(position, position);
    return { editor, line: line + 1 };
  }
  throw new Error(`no line matching ${String(lineMatch)} with ${word} in ${file}`);
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
