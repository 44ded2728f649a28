// Where the CLI's words go. Human mode: events and the summary on stdout, status and errors on
// stderr, so `probe-lens probe … > file` keeps the data. JSON mode: only JSON lines on stdout,
// error lines on stderr (DESIGN.md §5).

import { errorLine, jsonLine, type AttachedLine, type CallLine, type ErrorLine, type ReturnLine, type SummaryLine } from '../core/format';
import type { ErrorCode } from '../core/errors';

export class Output {
  constructor(readonly json: boolean) {}

  /** One write per batch of events, not one per line. */
  data(text: string): void {
    if (text !== '') process.stdout.write(text);
  }

  jsonLines(lines: readonly (AttachedLine | CallLine | ReturnLine | SummaryLine)[]): void {
    this.data(lines.map(jsonLine).join(''));
  }

  /** Human-only progress notes; silent in JSON mode. */
  status(text: string): void {
    if (!this.json) process.stderr.write(`${text}\n`);
  }

  error(code: ErrorCode, message: string): void {
    const line: ErrorLine = errorLine(code, message);
    process.stderr.write(this.json ? jsonLine(line) : `probe-lens: ${message}\n`);
  }
}
