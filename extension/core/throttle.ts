// Runs a callback at most once per interval however often it is requested: the first request
// runs at once, requests during the interval are folded into one run at its end. This is what
// keeps the editor at ≤ 10 decoration updates per second under any event rate.

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Throttle {
  private lastRunMs = -Infinity;
  private timer: unknown;
  private disposed = false;
  /** How many times the callback ran (the benchmark and tests read it). */
  runs = 0;

  constructor(
    private readonly callback: () => void,
    private readonly intervalMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  request(): void {
    if (this.disposed || this.timer !== undefined) return;
    const wait = this.lastRunMs + this.intervalMs - this.timers.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /** Runs now if a run is pending (e.g. before a test reads the result). */
  flush(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.run();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (this.disposed) return;
    this.lastRunMs = this.timers.now();
    this.runs++;
    this.callback();
  }
}
