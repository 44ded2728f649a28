// Symbol indexing: a generated C program of 3,600 functions in 12 files (gcc -O2 -g: location
// lists, inlining, full DWARF) is indexed by the symbol addon from a cleared cache (the file in
// the page cache, as after a build); then functionAt on the warm index; then the whole
// `probe-lens symbols BIN` command against `bpftrace -l 'uprobe:BIN:*'` on the same binary.
// Runs alternate between the two tools; the first of each is a warm-up.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BenchError, formatNs, formatRatio, probeLensBin, ratio, repoRoot, round, summarize, table } from '../lib.mjs';

export const name = 'symbols';

const FILES = 12;
const FUNCTIONS_PER_FILE = 300;
const REPEATS = Math.max(5, Number(process.env.BENCH_SYMBOLS_REPEATS ?? 9));
const LOOKUPS = 200;
const execFileAsync = promisify(execFile);

/** One source file: structs, enums, and functions of assorted shapes that call each other. */
function generatedFile(index) {
  const lines = [
    '#include <stddef.h>',
    '#include <stdint.h>',
    `struct rec${index} { int64_t id; const char *name; double weight; struct rec${index} *next; };`,
    `enum mode${index} { MODE${index}_A, MODE${index}_B = 7, MODE${index}_C = -3 };`,
    `int64_t entry${index}(int64_t seed);`,
  ];
  for (let f = 0; f < FUNCTIONS_PER_FILE; f++) {
    const name = `f${index}_${f}`;
    const callee = f > 0 ? `f${index}_${f - 1}(a + 1, s, r, m)` : 'a';
    const linkage = f % 5 === 0 ? 'static ' : '';
    lines.push(
      `${linkage}__attribute__((noinline)) int64_t ${name}(int64_t a, const char *s, struct rec${index} *r, enum mode${index} m)`,
      '{',
      `\tint64_t total = ${callee};`,
      '\tfor (size_t i = 0; s && s[i]; i++) {',
      `\t\tif (s[i] == '${String.fromCharCode(97 + (f % 26))}')`,
      '\t\t\ttotal += (int64_t)i * (m + 2);',
      '\t}',
      '\tif (r)',
      '\t\ttotal += r->id + (int64_t)r->weight;',
      '\treturn total;',
      '}',
    );
  }
  lines.push(
    `int64_t entry${index}(int64_t seed)`,
    '{',
    `\tstruct rec${index} r = { seed, "bench", 1.5, NULL };`,
    `\treturn f${index}_${FUNCTIONS_PER_FILE - 1}(seed, "abcdef", &r, MODE${index}_B);`,
    '}',
  );
  return `${lines.join('\n')}\n`;
}

async function buildBigBinary(dir) {
  const sources = [];
  for (let index = 0; index < FILES; index++) {
    const file = path.join(dir, `gen${index}.c`);
    writeFileSync(file, generatedFile(index));
    sources.push(file);
  }
  const main = path.join(dir, 'gen-main.c');
  const calls = Array.from({ length: FILES }, (_, index) => `entry${index}(argc)`).join(' + ');
  writeFileSync(main, `#include <stdint.h>\n${Array.from({ length: FILES }, (_, index) => `int64_t entry${index}(int64_t);`).join('\n')}\nint main(int argc, char **argv)\n{\n\t(void)argv;\n\treturn (int)(${calls});\n}\n`);
  const binary = path.join(dir, 'symbols-big');
  try {
    await execFileAsync('gcc', ['-O2', '-g', '-o', binary, main, ...sources]);
  } catch (error) {
    throw new BenchError(`cannot compile the generated program: ${error.stderr || error.message}`);
  }
  return { binary, sources };
}

async function timeCommandMs(command, args) {
  const started = process.hrtime.bigint();
  let stdout;
  try {
    ({ stdout } = await execFileAsync(command, args, { maxBuffer: 256 * 1024 * 1024 }));
  } catch (error) {
    throw new BenchError(`${command} ${args.join(' ')} failed: ${error.stderr || error.message}`);
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, lines: stdout.split('\n').filter(Boolean).length };
}

export async function run(context) {
  const { loadSymbolsAddon } = await import(pathToFileURL(path.join(repoRoot, 'out', 'test-core', 'symbols-addon.mjs')).href);
  const symbols = loadSymbolsAddon();
  const { binary, sources } = await buildBigBinary(context.tmpDir);

  // Index from a cleared cache: binaryInfo is the index alone; functions() adds every JS object.
  const indexMs = [];
  const listMs = [];
  let info;
  let list;
  for (let i = 0; i <= REPEATS; i++) {
    symbols.clearCache();
    let started = process.hrtime.bigint();
    info = await symbols.binaryInfo(binary);
    const indexed = Number(process.hrtime.bigint() - started) / 1e6;
    started = process.hrtime.bigint();
    list = await symbols.functions(binary);
    const listed = Number(process.hrtime.bigint() - started) / 1e6;
    if (i > 0) {
      indexMs.push(round(indexed, 2));
      listMs.push(round(listed, 2));
    }
  }
  const withDwarf = list.functions.filter((fn) => fn.hasDwarf && !fn.inlinedOnly).length;
  if (withDwarf < FILES * FUNCTIONS_PER_FILE) throw new BenchError(`only ${withDwarf} functions with DWARF were indexed; expected ${FILES * FUNCTIONS_PER_FILE}`);

  // functionAt on the warm index: lines spread over every file, each inside a function.
  const lookupMs = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const file = sources[i % FILES];
    const line = 6 + 11 * ((i * 37) % FUNCTIONS_PER_FILE) + 4; // inside the loop of some function
    const started = process.hrtime.bigint();
    const at = await symbols.functionAt(file, line, binary);
    lookupMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (!at.function.sourceName?.startsWith('f')) throw new BenchError(`functionAt(${file}:${line}) found ${at.function.name}`);
  }
  lookupMs.sort((a, b) => a - b);

  // Whole commands, alternating: probe-lens symbols (node start-up included) and bpftrace -l.
  const tools = {
    probeLens: { label: 'probe-lens symbols BIN --json', command: [process.execPath, [probeLensBin, 'symbols', binary, '--json']], runs: [] },
    bpftrace: { label: "bpftrace -l 'uprobe:BIN:*'", command: ['bpftrace', ['-l', `uprobe:${binary}:*`]], runs: [] },
  };
  const order = Object.values(tools);
  for (let i = 0; i <= REPEATS; i++) {
    for (const tool of i % 2 ? [...order].reverse() : order) {
      const result = await timeCommandMs(...tool.command);
      if (i > 0) tool.runs.push(result);
    }
  }
  const command = (tool) => ({ label: tool.label, ms: summarize(tool.runs.map((r) => round(r.ms, 1))), lines: tool.runs[0]?.lines ?? 0 });

  const results = {
    fixture: `${FILES} generated C files × ${FUNCTIONS_PER_FILE} functions, gcc -O2 -g`,
    binary: { functions: info.functionCount, withDwarf, sourceFiles: info.sourceFileCount },
    repeats: REPEATS,
    indexMs: summarize(indexMs),
    functionsListMs: summarize(listMs),
    functionAtWarmMs: { median: round(lookupMs[lookupMs.length >> 1], 4), p99: round(lookupMs[Math.floor(lookupMs.length * 0.99)], 4), max: round(lookupMs.at(-1), 4), lookups: LOOKUPS },
    commands: { probeLens: command(tools.probeLens), bpftrace: command(tools.bpftrace) },
  };
  results.ratios = {
    indexVsBpftraceList: round(ratio(results.indexMs.median, results.commands.bpftrace.ms.median)),
    symbolsCommandVsBpftraceList: round(ratio(results.commands.probeLens.ms.median, results.commands.bpftrace.ms.median)),
  };
  results.goals = {
    indexMs: { goal: '≤ 300 ms', value: results.indexMs.median, met: results.indexMs.median <= 300 },
    functionAtWarmMs: { goal: '≤ 20 ms', value: results.functionAtWarmMs.p99, met: results.functionAtWarmMs.p99 <= 20 },
  };
  return results;
}

export function report(results) {
  const ms = (value) => formatNs(value === null ? null : value * 1e6);
  const goal = (g) => `${g.goal} ${g.met ? '(goal met)' : '(goal not met)'}`;
  const rows = Object.values(results.commands).map((tool) => [tool.label, ms(tool.ms.median), tool.ms.raw.join(' / '), String(tool.lines)]);
  return [
    `Symbols: ${results.fixture}: ${results.binary.functions} functions (${results.binary.withDwarf} with DWARF), ${results.binary.sourceFiles} source files`,
    `  index (cleared cache, file in page cache): median ${ms(results.indexMs.median)}  [${results.indexMs.raw.join(' / ')} ms]  goal ${goal(results.goals.indexMs)}`,
    `  functions() to JS objects on the warm index: median ${ms(results.functionsListMs.median)}`,
    `  functionAt on the warm index (${results.functionAtWarmMs.lookups} lookups): median ${ms(results.functionAtWarmMs.median)}, p99 ${ms(results.functionAtWarmMs.p99)}, max ${ms(results.functionAtWarmMs.max)}  goal ${goal(results.goals.functionAtWarmMs)}`,
    table(['command', 'median', 'raw ms', 'lines out'], rows),
    `index / bpftrace -l: ${formatRatio(results.ratios.indexVsBpftraceList)};  probe-lens symbols / bpftrace -l (both whole processes): ${formatRatio(results.ratios.symbolsCommandVsBpftraceList)}`,
  ].join('\n');
}
