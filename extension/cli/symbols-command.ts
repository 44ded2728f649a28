// `probe-lens symbols BINARY` lists a binary's functions from its symbol table and DWARF;
// `probe-lens resolve FILE:LINE` says which function of which binary holds a source line, and
// how its arguments would be captured. Neither needs privilege: only the symbol addon.

import * as path from 'node:path';
import { ProbeLensError } from '../core/errors';
import { formatResolved, formatSymbolsTable, resolvedJson, symbolsJsonLines } from '../core/symbols-format';
import { loadSymbolsAddon, type Signature } from '../core/symbols-addon';
import { BinaryResolver } from '../core/target-resolution';
import { parseTarget, type BinarySpec } from '../core/targets';
import { binaryForSource } from '../core/user-targets';
import type { Output } from './output';

export async function runSymbols(binaryText: string | undefined, output: Output): Promise<void> {
  if (binaryText === undefined) throw new ProbeLensError('usage', 'symbols needs a BINARY: a path, or a library short name such as libc');
  const spec: BinarySpec = binaryText.includes('/') ? { kind: 'path', path: binaryText } : { kind: 'short-name', name: binaryText };
  const binary = await new BinaryResolver(process.cwd()).resolve(spec);
  const list = await loadSymbolsAddon().functions(binary);
  output.data(output.json ? symbolsJsonLines(list) : formatSymbolsTable(list));
}

export async function runResolve(targetText: string | undefined, binaryOption: string | undefined, output: Output): Promise<void> {
  if (targetText === undefined) throw new ProbeLensError('usage', 'resolve needs FILE:LINE, for example src/app.c:42');
  const target = parseTarget(targetText);
  if (target.kind !== 'source-line') throw new ProbeLensError('usage', `resolve takes FILE:LINE (a C or C++ source file), not '${targetText}'`);
  const symbols = loadSymbolsAddon();
  const cwd = process.cwd();
  const file = path.resolve(cwd, target.file);
  const binary = await binaryForSource(file, { command: [], cwd, ...(binaryOption === undefined ? {} : { binary: binaryOption }) }, symbols);
  const at = await symbols.functionAt(file, target.line, binary);
  const signature: Signature = await symbols.signature(binary, at.function.name, at.function.address ?? undefined);
  output.data(output.json ? `${JSON.stringify(resolvedJson(binary, at, signature))}\n` : formatResolved(binary, at, signature));
}
