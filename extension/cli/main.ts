// The `probe-lens` command line (DESIGN.md §5 is its contract): parses arguments, runs one
// subcommand, and turns expected failures into one clear message and the documented exit
// status — never a stack trace. Unexpected exceptions are bugs and keep theirs.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { exitCodeForError, ProbeLensError } from '../core/errors';
import { runAgent } from './agent-command';
import { runDoctor } from './doctor-command';
import { runKernelFunctions } from './kernel-functions-command';
import { CLI_VERSION } from './helper-session';
import { Output } from './output';
import { runProbe } from './probe-command';
import { runResolve, runSymbols } from './symbols-command';
import { parseCondition } from '../core/targets';

const USAGE = `Usage:
  probe-lens doctor [--json]
  probe-lens probe TARGET... [--pid PID] [--duration SECONDS] [--binary BINARY] [--json]
                   [--no-events | --sample-rate CALLS] [-- COMMAND ARGS...]
  probe-lens agent --config FILE
  probe-lens kernel-functions [--filter TEXT] [--json]
  probe-lens symbols BINARY [--json]
  probe-lens resolve FILE:LINE [--binary BINARY] [--json]

TARGET:
  BINARY:FUNCTION     uprobe + uretprobe; BINARY is a path (with a "/") or a library
                      short name such as libc, or a program in $PATH
  BINARY:GLOB         every function whose name matches (sqlite3_*, mdb_[cg]et, str?cpy)
  kernel:FUNCTION     fentry + fexit where the kernel allows them, else kprobe + kretprobe;
                      arguments named and typed from kernel BTF (root, or an allowed group)
  syscall:NAME        the syscall's entry and exit tracepoints, arguments by name
  tracepoint:CATEGORY:NAME   a kernel tracepoint, its fields by name
  FILE.c:LINE         the function whose body holds that line, in --binary, else the
                      COMMAND's program, else the binary in this directory built from FILE.c
  FILE.c:*            every function defined in FILE.c (from DWARF), found the same way

probe options:
  --pid PID           count only this process
  --duration SECONDS  stop after this long (default: Ctrl-C, or the end of COMMAND)
  --binary BINARY     the binary FILE.c:LINE targets are in
  --if 'ARG OP N'      only calls whose argument ARG compares so (OP: == != < <= > >=) are
                      recorded, timed and counted as matched, in the kernel; CALLS counts all
  --values ARG        count the values of argument ARG exactly, in the kernel: the summary shows
                      the most frequent ones (like argdist)
  --metrics-listen ADDR  serve the probes' exact counters and latency histograms at
                      http://ADDR/metrics for Prometheus (ADDR: HOST:PORT or :PORT)
  --otlp-endpoint URL  push the same over OTLP/HTTP (protobuf) to an OpenTelemetry
                      collector's metrics endpoint, e.g. http://collector:4318/v1/metrics
  --stacks            count each call's user stack exactly, in the kernel: the summary shows
                      the callers (function and line) and the most frequent stacks; needs frame
                      pointers past the caller (-fno-omit-frame-pointer, or -O0)
  --line              FILE.c:LINE probes the line itself, not its function: each time its code
                      runs, with the variables in scope there by name (a logpoint that never stops)
  --json              one JSON object per line on stdout (attached, call, return, summary);
                      COMMAND's stdout then goes to stderr so stdout stays JSON
  --no-events         no per-call lines, only the summary (counts are exact either way)
  --sample-rate CALLS at most CALLS call lines a second per probe (each with its return),
                      sampled evenly in the kernel; the summary counts the rest as
                      sampled out (counts are exact either way)
  -v, --verbose       show the helper's log on stderr
  -- COMMAND ARGS     start COMMAND unprivileged, held until the probes are attached; count
                      only it and its descendants; stop when it exits. Its exit status is
                      reported in the summary; probe-lens itself exits 0.

agent: the probes of a config file (JSON with comments), counted until SIGTERM, their exact
counters and latency histograms served for Prometheus:
  {"metricsListen": ":9464", "probes": ["/usr/bin/app:handle_request"], "pid": 1234}
("pid" is optional: without it every process that maps the binary is counted; root only).

Exit status: 0 success, 1 other failure, 2 bad usage or target, 3 missing privilege or kernel feature.
Environment: PROBE_LENS_HELPER (helper executable), PROBE_LENS_PRIVILEGE=auto|direct|sudo.
`;

function usageError(message: string): ProbeLensError {
  return new ProbeLensError('usage', `${message} (see probe-lens --help)`);
}

/** node:util's parse errors are usage errors; their own wording is already good. */
function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) {
      throw usageError(error.message);
    }
    throw error;
  }
}

function parsePid(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text)) throw usageError(`--pid takes a process id, not '${text}'`);
  return Number(text);
}

function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw usageError(`--duration takes a positive number of seconds, not '${text}'`);
  return seconds;
}

function parseSampleRate(text: string | undefined, noEvents: boolean): number | undefined {
  if (noEvents && text !== undefined) throw usageError('--no-events and --sample-rate do not go together');
  if (noEvents) return 0;
  if (text === undefined) return undefined;
  const rate = Number(text);
  if (!Number.isInteger(rate) || rate < 1) throw usageError(`--sample-rate takes a whole number of calls a second, at least 1, not '${text}'`);
  return rate;
}

async function probe(args: string[], output: Output): Promise<number> {
  const dash = args.indexOf('--');
  const command = dash < 0 ? [] : args.slice(dash + 1);
  if (dash >= 0 && command.length === 0) throw usageError('nothing to run after "--"');
  const { values, positionals } = parseOptions({
    args: dash < 0 ? args : args.slice(0, dash),
    allowPositionals: true,
    options: {
      pid: { type: 'string' },
      duration: { type: 'string' },
      binary: { type: 'string' },
      line: { type: 'boolean' },
      if: { type: 'string' },
      values: { type: 'string' },
      stacks: { type: 'boolean' },
      'metrics-listen': { type: 'string' },
      'otlp-endpoint': { type: 'string' },
      json: { type: 'boolean' },
      'no-events': { type: 'boolean' },
      'sample-rate': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    output.data(USAGE);
    return 0;
  }
  await runProbe(
    {
      targets: positionals,
      pid: parsePid(values.pid),
      durationSeconds: parseDuration(values.duration),
      callsPerSecond: parseSampleRate(values['sample-rate'], values['no-events'] === true),
      verbose: values.verbose === true,
      command,
      lines: values.line === true,
      stacks: values.stacks === true,
      ...(values['metrics-listen'] === undefined ? {} : { metricsListen: values['metrics-listen'] }),
      ...(values['otlp-endpoint'] === undefined ? {} : { otlpEndpoint: values['otlp-endpoint'] }),
      ...(values.if === undefined ? {} : { condition: parseCondition(values.if) }),
      ...(values.values === undefined ? {} : { valuesOf: values.values }),
      ...(values.binary === undefined ? {} : { binary: values.binary }),
    },
    output,
  );
  return 0;
}

async function agent(args: string[], output: Output): Promise<number> {
  const { values } = parseOptions({
    args,
    options: { config: { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    output.data(USAGE);
    return 0;
  }
  if (values.config === undefined) throw usageError('agent needs --config FILE (JSON with comments: {"metricsListen": ":9464", "probes": ["BINARY:FUNCTION"]})');
  await runAgent(values.config, values.verbose === true, output);
  return 0;
}

async function doctor(args: string[], output: Output): Promise<number> {
  const { values } = parseOptions({
    args,
    options: { json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    output.data(USAGE);
    return 0;
  }
  return runDoctor(values.verbose === true, output);
}

async function kernelFunctions(args: string[], output: Output): Promise<number> {
  const { values } = parseOptions({
    args,
    options: {
      filter: { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    output.data(USAGE);
    return 0;
  }
  return runKernelFunctions({ filter: values.filter, verbose: values.verbose === true }, output);
}

async function symbolsCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseOptions({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help === true) {
    output.data(USAGE);
    return 0;
  }
  if (positionals.length > 1) throw usageError('symbols takes one BINARY');
  await runSymbols(positionals[0], output);
  return 0;
}

async function resolveCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseOptions({
    args,
    allowPositionals: true,
    options: { binary: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    output.data(USAGE);
    return 0;
  }
  if (positionals.length > 1) throw usageError('resolve takes one FILE:LINE');
  await runResolve(positionals[0], values.binary, output);
  return 0;
}

async function dispatch(argv: string[], output: Output): Promise<number> {
  const [subcommand, ...args] = argv;
  switch (subcommand) {
    case 'probe':
      return probe(args, output);
    case 'doctor':
      return doctor(args, output);
    case 'agent':
      return agent(args, output);
    case 'kernel-functions':
      return kernelFunctions(args, output);
    case 'symbols':
      return symbolsCommand(args, output);
    case 'resolve':
      return resolveCommand(args, output);
    case '--version':
    case '-V':
      output.data(`probe-lens ${CLI_VERSION}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      output.data(USAGE);
      return 0;
    default:
      throw usageError(`unknown command '${subcommand}'`);
  }
}

async function main(argv: string[]): Promise<number> {
  const beforeCommand = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const output = new Output(beforeCommand.includes('--json'));
  try {
    return await dispatch(argv, output);
  } catch (error) {
    if (!(error instanceof ProbeLensError)) throw error;
    output.error(error.code, error.message);
    return exitCodeForError(error.code);
  }
}

/**
 * process.exit drops what is still queued for a pipe, so exit only once stdout and stderr have
 * taken everything: a write's callback runs after the writes queued before it.
 */
function exitAfterFlush(status: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
}

// A reader that goes away (`probe-lens probe … | head`) ends the run as Ctrl-C would: detach,
// then exit. Later writes fail quietly; SIGTERM's handler is the probe run's, if one is active.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.emit('SIGTERM', 'SIGTERM');
});

main(process.argv.slice(2)).then(exitAfterFlush, (error: unknown) => {
  console.error('probe-lens: internal error (please report it):', error);
  exitAfterFlush(1);
});
