// Says once, per binary, when a probe on a single-stepped function is hot enough to cost a real
// share of a core, and how a build makes it cheap, with the figures measured on this machine
// (probe/entryCosts, asked only then).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { fastBuildHint } from '../core/annotation-text';
import type { EntryCostsResult } from '../core/protocol';
import { Throttle } from '../core/throttle';
import type { Ctx } from './ctx';

const CHECK_EVERY_MS = 2000;

export function activate(ctx: Ctx): void {
  const told = new Set<string>();
  let measured: Promise<EntryCostsResult | undefined> | undefined;
  let checking = false;
  const check = async (): Promise<void> => {
    for (const entry of ctx.probes.list()) {
      const binary = entry.spec.attach.binary;
      const rate = entry.aggregate.snapshot().ratePerSecond;
      if (entry.state !== 'live' || binary === undefined || told.has(binary)) continue;
      if (fastBuildHint(entry.spec.functionName, entry.spec.entryCost, rate, undefined) === undefined) continue;
      measured ??= ctx.helper.client().then((client) => client.entryCosts()).catch(() => undefined);
      const hint = fastBuildHint(entry.spec.functionName, entry.spec.entryCost, rate, await measured);
      if (hint === undefined) continue;
      told.add(binary);
      ctx.log.info(`${path.basename(binary)}: ${hint}`);
      void vscode.window.showInformationMessage(`Probe Lens: ${hint}`);
    }
  };
  const throttle = new Throttle(() => {
    if (checking) return;
    checking = true;
    void check().finally(() => (checking = false));
  }, CHECK_EVERY_MS);
  ctx.pushExtension({ dispose: () => throttle.dispose() }, ctx.probes.onDidChangeData.event(() => throttle.request()));
}
