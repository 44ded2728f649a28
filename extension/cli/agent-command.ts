// `probe-lens agent --config FILE`: probes from a config file, counted until stopped (SIGTERM),
// their exact counters served at /metrics for Prometheus and/or pushed over OTLP. For a fleet: one agent a host
// (systemd, or a Kubernetes DaemonSet: deploy/), scraped like any exporter.

import { readFileSync } from 'node:fs';
import { configError, parseAgentConfig } from '../core/agent-config';
import type { Output } from './output';
import { runProbe } from './probe-command';

export async function runAgent(configFile: string, verbose: boolean, output: Output): Promise<void> {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    throw configError(configFile, `cannot read it: ${error instanceof Error ? error.message : String(error)}`);
  }
  const config = parseAgentConfig(text, configFile);
  // Counters only: no per-call records.
  await runProbe({
    targets: config.probes, pid: config.pid, durationSeconds: undefined, command: [], verbose, callsPerSecond: 0,
    ...(config.metricsListen === undefined ? {} : { metricsListen: config.metricsListen }),
    ...(config.otlpEndpoint === undefined ? {} : { otlpEndpoint: config.otlpEndpoint }),
  }, output);
}
