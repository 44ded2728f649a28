// The one place that reads `probeLens.*` settings, typed. Features ask here, never
// `workspace.getConfiguration` themselves; `onDidChange` tells them when to re-read, and a change
// that needs a new helper (privilege, helper path) offers to restart it.

import * as vscode from 'vscode';
import { DEFAULT_DECORATION_FORMAT } from '../core/annotation-text';
import { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from '../core/capture-spec';
import type { PrivilegeSetting } from '../core/privilege';

const SECTION = 'probeLens';
const PRIVILEGE_VALUES: readonly PrivilegeSetting[] = ['auto', 'direct', 'pkexec', 'sudo'];

export class Config {
  private get raw(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  /** Binaries to consider for a source file (absolute, or relative to the first workspace folder). */
  get binaries(): string[] {
    const value = this.raw.get<unknown>('binaries', []);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [];
  }

  get privilege(): PrivilegeSetting {
    const value = this.raw.get<string>('privilege', 'auto');
    return (PRIVILEGE_VALUES as readonly string[]).includes(value) ? (value as PrivilegeSetting) : 'auto';
  }

  /** Empty: the helper shipped with the extension. */
  get helperPath(): string | undefined {
    const value = this.raw.get<string>('helperPath', '').trim();
    return value === '' ? undefined : value;
  }

  /** Calls a second each probe sends while the Calls panel is open. */
  get panelCallsPerSecond(): number {
    const value = this.raw.get<number>('callsPanel.callsPerSecond', 1000);
    return Number.isFinite(value) && value >= 1 ? Math.floor(value) : 1000;
  }

  /** Rows per second the panel records; counters stay exact beyond it. */
  get maxEventsPerSecond(): number {
    const value = this.raw.get<number>('maxEventsPerSecond', 20_000);
    return Number.isFinite(value) && value > 0 ? value : 20_000;
  }

  get decorationFormat(): string {
    const value = this.raw.get<string>('decoration.format', DEFAULT_DECORATION_FORMAT);
    return value.trim() === '' ? DEFAULT_DECORATION_FORMAT : value;
  }

  get decorationsEnabled(): boolean {
    return this.raw.get<boolean>('decoration.enabled', true);
  }

  /** The program Run with Probes starts when launch.json has none. */
  get runProgram(): { program: string; args: string[] } | undefined {
    const program = this.raw.get<string>('run.program', '').trim();
    if (program === '') return undefined;
    const args = this.raw.get<unknown>('run.args', []);
    return { program, args: Array.isArray(args) ? args.map(String) : [] };
  }

  /** How much of each call the probes read; out-of-range values are clamped to what the helper allows. */
  get captureLimits(): CaptureLimits {
    const bounded = (key: string, fallback: number, max: number): number => {
      const value = Math.floor(this.raw.get<number>(key, fallback));
      return Number.isFinite(value) ? Math.min(max, Math.max(1, value)) : fallback;
    };
    return {
      stringLength: bounded('capture.stringLength', DEFAULT_CAPTURE_LIMITS.stringLength, 128),
      structBytes: bounded('capture.structBytes', DEFAULT_CAPTURE_LIMITS.structBytes, 64),
      followPointers: this.raw.get<boolean>('capture.followPointers', DEFAULT_CAPTURE_LIMITS.followPointers),
    };
  }

  /** Whether each Run with Probes starts the probes' counts from 0. */
  get runResetsCounts(): boolean {
    return this.raw.get<boolean>('run.resetCounts', true);
  }

  /** Fires with the setting keys (without the prefix) that changed. */
  onDidChange(listener: (changed: (key: string) => boolean) => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SECTION)) listener((key) => event.affectsConfiguration(`${SECTION}.${key}`));
    });
  }
}
