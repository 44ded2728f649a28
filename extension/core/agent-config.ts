// The `probe-lens agent` config file: JSON with comments, read strictly.

// The ESM build: the UMD one's require of its parts defeats the bundler.
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { ProbeLensError } from './errors';

/** The config file: JSON with comments. */
export interface AgentConfig {
  /** HOST:PORT or :PORT where /metrics is served (Prometheus). */
  metricsListen?: string;
  /** An OTLP/HTTP metrics endpoint the counters are pushed to (OpenTelemetry). */
  otlpEndpoint?: string;
  /** TARGETs as `probe-lens probe` takes them (BINARY:FUNCTION, BINARY:GLOB, kernel:…). */
  probes: string[];
  /** Only this process (else every process that maps each binary: root only). */
  pid?: number;
}

const FIELDS = new Set(['metricsListen', 'otlpEndpoint', 'probes', 'pid']);

export function configError(file: string, message: string): ProbeLensError {
  return new ProbeLensError('usage', `${file}: ${message}`);
}

/** The config read strictly: every field typed, none unknown. */
export function parseAgentConfig(text: string, file: string): AgentConfig {
  const errors: ParseError[] = [];
  const config: unknown = parse(text, errors, { allowTrailingComma: true });
  const first = errors[0];
  if (first !== undefined) {
    const line = text.slice(0, first.offset).split('\n').length;
    throw configError(file, `line ${line}: ${printParseErrorCode(first.error)}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw configError(file, 'expected an object: {"metricsListen": ":9464", "probes": ["BINARY:FUNCTION"]}');
  const record = config as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw configError(file, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `'${key}'`).join(', ')} (fields: ${[...FIELDS].join(', ')})`);
  const { metricsListen, otlpEndpoint, probes, pid } = record;
  if (metricsListen !== undefined && typeof metricsListen !== 'string') throw configError(file, "'metricsListen' must be a string, HOST:PORT or :PORT");
  if (otlpEndpoint !== undefined && (typeof otlpEndpoint !== 'string' || !/^https?:\/\//.test(otlpEndpoint))) {
    throw configError(file, "'otlpEndpoint' must be an http(s) URL, e.g. http://collector:4318/v1/metrics");
  }
  if (metricsListen === undefined && otlpEndpoint === undefined) throw configError(file, "the counters go somewhere: give 'metricsListen' (Prometheus) or 'otlpEndpoint' (OpenTelemetry), or both");
  if (!Array.isArray(probes) || probes.length === 0 || !probes.every((probe) => typeof probe === 'string')) {
    throw configError(file, "'probes' must be a non-empty list of targets, e.g. [\"/usr/bin/app:handle_request\"]");
  }
  if (pid !== undefined && (!Number.isInteger(pid) || (pid as number) <= 0)) throw configError(file, "'pid' must be a positive integer");
  return {
    ...(metricsListen === undefined ? {} : { metricsListen }),
    ...(otlpEndpoint === undefined ? {} : { otlpEndpoint }),
    probes,
    ...(pid === undefined ? {} : { pid: pid as number }),
  };
}

