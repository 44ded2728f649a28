// `npm run bench`: runs every part in bench/parts/ (or only those named on the command line,
// e.g. `npm run bench -- per-call`), prints each part's table and writes all raw figures,
// medians, ratios and the machine's facts to out/bench/results.json. A part exports `name`,
// `run(context)` returning its results and `report(results)` returning text. Goals are printed
// next to ratios, never asserted: the bench fails only when something is broken.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BenchError, machineInfo, repoRoot } from './lib.mjs';

const resultsPath = path.join(repoRoot, 'out', 'bench', 'results.json');

function selectedParts() {
  const directory = path.join(repoRoot, 'bench', 'parts');
  const all = readdirSync(directory).filter((file) => file.endsWith('.mjs')).sort();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((part) => !all.includes(`${part}.mjs`));
  if (unknown.length) throw new BenchError(`no such part: ${unknown.join(', ')} (parts: ${all.map((file) => file.replace(/\.mjs$/, '')).join(', ')})`);
  return all.filter((file) => wanted.length === 0 || wanted.includes(file.replace(/\.mjs$/, ''))).map((file) => path.join(directory, file));
}

function checkPrerequisites() {
  for (const built of ['native/build/probe-lens-helper', 'out/cli.js']) {
    if (!existsSync(path.join(repoRoot, built))) throw new BenchError(`${built} is missing: run \`npm run build\` first`);
  }
  if (process.getuid?.() !== 0) throw new BenchError('the bench attaches uprobes with bpftrace and probe-lens: run it as root');
}

async function main() {
  checkPrerequisites();
  const parts = selectedParts();
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'probe-lens-bench-'));
  const results = { startedAt: new Date().toISOString(), machine: await machineInfo(), parts: {} };
  const startedMs = Date.now();
  try {
    for (const file of parts) {
      const part = await import(pathToFileURL(file).href);
      const partStartedMs = Date.now();
      process.stderr.write(`bench: running ${path.basename(file, '.mjs')}…\n`);
      results.parts[part.name] = await part.run({ tmpDir });
      results.parts[part.name].durationSeconds = Math.round((Date.now() - partStartedMs) / 100) / 10;
      console.log(`\n${part.report(results.parts[part.name])}`);
    }
  } finally {
    results.durationSeconds = Math.round((Date.now() - startedMs) / 100) / 10;
    rmSync(tmpDir, { recursive: true, force: true });
    mkdirSync(path.dirname(resultsPath), { recursive: true });
    writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  }
  const { machine } = results;
  console.log(`\nMachine: ${machine.kernel}, ${machine.cpuCount} × ${machine.cpuModel}, ${machine.bpftrace}, node ${machine.node}`);
  console.log(`Results: ${path.relative(process.cwd(), resultsPath)} (${results.durationSeconds} s)`);
}

main().catch((error) => {
  console.error(`bench: ${error instanceof BenchError ? error.message : error.stack}`);
  process.exitCode = 1;
});
