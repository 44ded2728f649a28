// Time to first event: from spawning the tracer with a command to the first call on its stdout,
// for a program that calls work() once, straight away. probe-lens (`-- COMMAND`) and bpftrace
// (`-c COMMAND`) both hold the command until their probes are attached. Runs alternate between
// the two; one warm-up run of each is not counted. Node's own start-up is measured alongside, as
// the floor under probe-lens's figure.

import { BenchError, compileFixture, formatNs, formatRatio, probeLensBin, ratio, round, start, stop, summarize, table, waitForStdoutLine } from '../lib.mjs';

export const name = 'timeToFirstEvent';

const REPEATS = Math.max(5, Number(process.env.BENCH_FIRST_EVENT_REPEATS ?? 7));
const TIMEOUT_MS = 30_000;

function tools(binary) {
  return [
    {
      id: 'probeLens',
      label: 'probe-lens probe BIN:work --json -- BIN',
      command: [process.execPath, [probeLensBin, 'probe', `${binary}:work`, '--json', '--', binary]],
      ready: (line) => line.includes('"type":"attached"'),
      event: (line) => line.includes('"type":"call"'),
    },
    {
      id: 'bpftrace',
      label: 'bpftrace -e \'uprobe:BIN:work { printf("hit\\n"); exit(); }\' -c BIN',
      command: ['bpftrace', ['-e', `uprobe:${binary}:work { printf("hit\\n"); exit(); }`, '-c', binary]],
      // Printed before it attaches, so only an upper bound on its start-up.
      ready: (line) => line.startsWith('Attaching'),
      event: (line) => line === 'hit',
    },
  ];
}

async function timeOnce(tool) {
  const [command, args] = tool.command;
  const startedNs = process.hrtime.bigint();
  const proc = start(command, args);
  const sinceStartMs = () => round(Number(process.hrtime.bigint() - startedNs) / 1e6, 1);
  try {
    const readyAt = proc.stdout.waitForLine(tool.ready, TIMEOUT_MS, 'its ready line').then(sinceStartMs, () => null);
    const eventLine = await waitForStdoutLine(proc, tool.event, TIMEOUT_MS, 'the first event');
    const firstEventMs = sinceStartMs();
    const status = await proc.exited;
    if (status.code !== 0) throw new BenchError(`${proc.describe()} exited with ${status.signal ?? `code ${status.code}`}: ${proc.stderr.text().trim()}`);
    const run = { firstEventMs, readyLineMs: await readyAt, exitMs: sinceStartMs() };
    if (tool.id === 'probeLens') {
      const attached = JSON.parse(proc.stdout.lastLines().find((line) => line.includes('"type":"attached"')) ?? '{}');
      run.attachMs = attached.attach_ms;
      // Named a and b from DWARF, arg0 and arg1 without it: the values are what count.
      if (JSON.stringify(Object.values(JSON.parse(eventLine).args ?? {}).slice(0, 2)) !== '[1,41]') {
        throw new BenchError(`probe-lens's first call is not work(1, 41): ${eventLine}`);
      }
    }
    return run;
  } finally {
    await stop(proc);
  }
}

async function nodeStartupMs() {
  const startedNs = process.hrtime.bigint();
  const proc = start(process.execPath, ['-e', '0']);
  await proc.exited;
  return round(Number(process.hrtime.bigint() - startedNs) / 1e6, 1);
}

export async function run(context) {
  const binary = await compileFixture('call-once', context.tmpDir);
  const all = tools(binary);
  for (const tool of all) await timeOnce(tool); // warm-up: page cache, BTF, LLVM
  const runs = Object.fromEntries(all.map((tool) => [tool.id, []]));
  const nodeStartup = [];
  for (let round = 0; round < REPEATS; round++) {
    for (const tool of round % 2 ? [...all].reverse() : all) runs[tool.id].push(await timeOnce(tool));
    nodeStartup.push(await nodeStartupMs());
  }
  const results = { repeats: REPEATS, fixture: 'bench/fixtures/call-once.c (gcc -O2)', tools: {} };
  for (const tool of all) {
    const pick = (key) => summarize(runs[tool.id].map((run) => run[key]).filter((value) => value !== null && value !== undefined));
    results.tools[tool.id] = { label: tool.label, firstEventMs: pick('firstEventMs'), readyLineMs: pick('readyLineMs'), exitMs: pick('exitMs'), runs: runs[tool.id] };
    if (tool.id === 'probeLens') results.tools[tool.id].attachMs = pick('attachMs');
  }
  results.nodeStartupMs = summarize(nodeStartup);
  results.ratios = { probeLensVsBpftrace: round(ratio(results.tools.probeLens.firstEventMs.median, results.tools.bpftrace.firstEventMs.median)) };
  results.goals = { timeToFirstEventVsBpftrace: { goal: '≤ 0.5×', probeLens: results.ratios.probeLensVsBpftrace } };
  return results;
}

export function report(results) {
  const ms = (value) => formatNs(value === null ? null : value * 1e6);
  const rows = Object.values(results.tools).map((tool) => [
    tool.label,
    ms(tool.firstEventMs.median),
    tool.firstEventMs.raw.map((value) => value.toFixed(0)).join(' / '),
    ms(tool.readyLineMs.median),
    ms(tool.exitMs.median),
  ]);
  const value = results.ratios.probeLensVsBpftrace;
  return [
    `Time to first event: spawn → first call line, ${results.repeats} runs each (median, then every run in ms)`,
    table(['command', 'first event', 'raw ms', 'ready line', 'exit'], rows),
    `(probe-lens attach_ms median ${results.tools.probeLens.attachMs.median} ms; node -e 0 alone: median ${results.nodeStartupMs.median} ms)`,
    '',
    `probe-lens / bpftrace: ${formatRatio(value)}  goal ≤ 0.5× ${value === null ? '' : value <= 0.5 ? '(goal met)' : '(goal not met)'}`,
  ].join('\n');
}
