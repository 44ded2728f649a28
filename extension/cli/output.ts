// Where the CLI's words go. Human mode: events and the summary on stdout, status and errors on
// stderr, so `probe-lens probe … > file` keeps the data. JSON mode: only JSON lines on stdout,
// error lines on stderr (DESIGN.md §5).

import { errorLine, jsonLine, type AttachedLine, type CallLine, type ErrorLine, type ReturnLine, type SummaryLine } from '../core/format';
import type { ErrorCode } from '../core/errors';

/** What feeds the output, paused while stdout cannot take more. */
export interface OutputSource {
  pauseReading(): void;
  resumeReading(): void;
}

export class Output {
  private source: OutputSource | undefined;
  private waitingForDrain = false;
  private isClosed = false;
  /** Resolves when stdout's reader went away (`probe-lens … | head`): tracing should stop. */
  readonly closed: Promise<void>;

  constructor(readonly json: boolean) {
    this.closed = new Promise((resolve) => {
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        this.isClosed = true;
        // No drain will come: whatever was paused for one must not wait for it.
        if (this.waitingForDrain) this.source?.resumeReading();
        this.waitingForDrain = false;
        resolve();
      });
    });
  }

  /**
   * Backpressure: when stdout (a slow pipe, a paused terminal) cannot take more, stop reading
   * `source` until it drained, rather than queueing without bound in our memory.
   */
  throttle(source: OutputSource): void {
    this.source = source;
  }

  /** One write per batch of events, not one per line. */
  data(text: string): void {
    if (text === '' || this.isClosed || process.stdout.write(text) || this.source === undefined || this.waitingForDrain) return;
    const source = this.source;
    this.waitingForDrain = true;
    source.pauseReading();
    process.stdout.once('drain', () => {
      this.waitingForDrain = false;
      source.resumeReading();
    });
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
