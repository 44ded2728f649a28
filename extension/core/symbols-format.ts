// What `probe-lens symbols` and `probe-lens resolve` print: a table of a binary's functions (and
// the JSON line per function), and a resolved source line with its function's parameters, where
// each one is at entry and how it is captured. The --json shapes use snake_case, as DESIGN.md §5.

import * as path from 'node:path';
import { readableName } from './names';
import type { BinaryInfo, FunctionAtResult, FunctionInfo, FunctionList, InlineSite, Signature } from './symbols-addon';

const hex = (value: number | null): string => (value === null ? '-' : `0x${value.toString(16)}`);

function source(file: string | null, line: number | null): string {
  return file === null ? '' : `${file}:${line ?? '?'}`;
}

export function describeBinary(binary: BinaryInfo): string {
  const debug = binary.hasDwarf
    ? `DWARF${binary.debugFile === null ? '' : ` from ${binary.debugFile}`}`
    : binary.hasSymtab
      ? 'symbol table only, no DWARF'
      : 'stripped: exported symbols only';
  const id = binary.buildId === null ? 'no build-id' : `build-id ${binary.buildId}`;
  return `${binary.path}: ${binary.kind}, ${binary.machine}, ${id}, ${debug}, ${binary.functionCount} functions`;
}

/** Each site once (the units that share a header describe its sites alike), callers by readable name. */
function sitesText(sites: readonly InlineSite[]): string {
  return [...new Set(sites.map((site) => `${site.caller === null ? '?' : readableName(site.caller)}${site.line === null ? '' : ` line ${site.line}`} at ${hex(site.address)}`))].join(', ');
}

/**
 * Each function once: an inline function of a header (C++ templates, COMDAT) is described by the
 * DWARF of every unit that used it, at the one address the linker kept.
 */
export function distinctFunctions(list: FunctionList): FunctionList {
  const seen = new Set<string>();
  const functions = list.functions.filter((fn) => {
    const key = `${fn.address ?? `inlined ${fn.file}:${fn.line}`}|${fn.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ...list, functions, binary: { ...list.binary, functionCount: functions.length } };
}

/**
 * The human table: address-ordered functions, then those that exist only inlined. The function,
 * by its readable name, comes last: a C++ name can be long, and the columns before it stay narrow.
 */
export function formatSymbolsTable(all: FunctionList): string {
  const list = distinctFunctions(all);
  const lines = [describeBinary(list.binary)];
  if (list.binary.noDwarfReason !== null) lines.push(`  ${list.binary.noDwarfReason}`);
  for (const warning of list.binary.warnings) lines.push(`  warning: ${warning}`);
  const withCode = list.functions.filter((fn) => !fn.inlinedOnly);
  const header = ['ADDRESS', 'OFFSET', 'SIZE', 'BIND', 'FUNCTION (SOURCE)'];
  const rows = withCode.map((fn) => [
    hex(fn.address),
    hex(fn.fileOffset),
    String(fn.size),
    fn.binding,
    [
      readableName(fn.demangled) + (fn.fragment ? ' (part)' : ''),
      fn.file === null ? '' : `(${source(fn.file, fn.line)})`,
      fn.inlineSites.length > 0 ? `(also inlined ${fn.inlineSites.length}×)` : '',
    ]
      .filter(Boolean)
      .join('  '),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const render = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  lines.push(render(header), ...rows.map(render));
  const inlinedOnly = list.functions.filter((fn) => fn.inlinedOnly);
  if (inlinedOnly.length > 0) {
    lines.push('', 'Inlined only (no code of their own; their inline sites can be probed, entry only):');
    for (const fn of inlinedOnly) lines.push(`  ${readableName(fn.demangled)}  ${source(fn.file, fn.line)}  ${new Set(fn.inlineSites.map((site) => site.address)).size} site(s): ${sitesText(fn.inlineSites)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function binaryJson(binary: BinaryInfo): Record<string, unknown> {
  return {
    type: 'binary',
    path: binary.path,
    kind: binary.kind,
    machine: binary.machine,
    build_id: binary.buildId,
    debug_file: binary.debugFile,
    has_dwarf: binary.hasDwarf,
    has_symtab: binary.hasSymtab,
    stripped: binary.stripped,
    no_dwarf_reason: binary.noDwarfReason,
    function_count: binary.functionCount,
    warnings: binary.warnings,
  };
}

export function functionJson(fn: FunctionInfo): Record<string, unknown> {
  return {
    name: fn.name,
    demangled: fn.demangled,
    address: fn.address,
    file_offset: fn.fileOffset,
    size: fn.size,
    binding: fn.binding,
    file: fn.file,
    line: fn.line,
    end_line: fn.endLine,
    inlined_only: fn.inlinedOnly,
    fragment: fn.fragment,
    inline_sites: fn.inlineSites.map((site) => ({ address: site.address, file_offset: site.fileOffset, file: site.file, line: site.line, caller: site.caller })),
  };
}

/** `symbols --json`: the binary first, then one line per function. */
export function symbolsJsonLines(all: FunctionList): string {
  const list = distinctFunctions(all);
  const lines = [binaryJson(list.binary), ...list.functions.map((fn) => ({ type: 'function', ...functionJson(fn) }))];
  return lines.map((line) => `${JSON.stringify(line)}\n`).join('');
}

function paramsJson(signature: Signature): Record<string, unknown>[] {
  return signature.params.map((param) => ({
    name: param.name,
    type: param.type.name,
    artificial: param.artificial,
    passed_in: param.passedIn,
    dwarf_location: param.dwarfLocation,
    capture: param.capture,
    note: param.note,
  }));
}

export function resolvedJson(binary: string, at: FunctionAtResult, signature: Signature | undefined): Record<string, unknown> {
  return {
    type: 'resolved',
    binary,
    file: at.file,
    line: at.line,
    function: functionJson(at.function),
    functions: at.functions.map(functionJson),
    params: signature === undefined ? [] : paramsJson(signature),
    return: signature === undefined ? null : { type: signature.returnType?.name ?? null, capture: signature.returnCapture, note: signature.returnNote },
    variadic: signature?.variadic ?? false,
    notes: signature?.notes ?? [],
  };
}

/** The resolved line in words: which function, where, and each parameter's fate. */
export function formatResolved(binary: string, at: FunctionAtResult, signature: Signature | undefined): string {
  const fn = at.function;
  const span = fn.line === null ? '' : `, lines ${fn.line}-${fn.endLine ?? fn.line}`;
  const lines = [`${path.basename(at.file)}:${at.line} → ${fn.demangled} in ${binary}${span}`];
  if (fn.inlinedOnly) {
    lines.push(`  exists only inlined: ${fn.inlineSites.length} site(s): ${sitesText(fn.inlineSites)}`);
    lines.push('  probing it probes those sites, entry only (no arguments, no return value)');
  } else {
    lines.push(`  address ${hex(fn.address)}, file offset ${hex(fn.fileOffset)}, ${fn.size} bytes, ${fn.binding}`);
    if (fn.inlineSites.length > 0) lines.push(`  also inlined at ${fn.inlineSites.length} site(s): ${sitesText(fn.inlineSites)}`);
  }
  const others = at.functions.filter((other) => other !== fn && other.name !== fn.name);
  if (others.length > 0) lines.push(`  also at this line: ${others.map((other) => `${other.demangled} (${hex(other.address)})`).join(', ')}`);
  if (signature !== undefined) {
    if (!signature.hasDwarf) {
      lines.push(`  ${signature.noDwarfReason ?? 'no DWARF'}`);
    } else {
      const rows = signature.params.map((param, index) => [
        param.name ?? `arg${index}`,
        param.type.name,
        param.passedIn ?? '?',
        param.capture === null ? (param.note ?? 'not captured') : `${param.capture.type}${param.note === null ? '' : ` (${param.note})`}`,
      ]);
      const ret = signature.returnCapture ?? signature.returnNote ?? 'not captured';
      rows.push(['return', signature.returnType?.name ?? '?', signature.returnType?.kind === 'void' ? '-' : 'rax', ret]);
      const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
      for (const row of rows) lines.push(`  ${row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell)).join('  ').trimEnd()}`);
      if (signature.variadic) lines.push('  ... (variadic: the extra arguments are not described by DWARF)');
      for (const note of signature.notes) lines.push(`  note: ${note}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
