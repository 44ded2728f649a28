// Turns a function's signature (from the symbol addon) into the helper's CaptureSpec: each
// argument DWARF names, at the register or stack slot the addon worked out, with its value type;
// what cannot be read is listed with the reason rather than faked. Without DWARF, the six
// argument registers are read raw as arg0..arg5, and the reason is kept to show the user.

import { ARG_REGISTERS, type ArgSpec, type CapturedShape, type CaptureSpec, type PointeeLayout } from './protocol';
import type { LineVariable, ParamInfo, Signature } from './symbols-addon';

/** The helper's limit (InitializeResult.limits.maxArgs). */
export const MAX_CAPTURED_ARGS = 6;

/**
 * Without DWARF there are no parameter names or types: every integer argument register is read
 * as a signed 64-bit value, as is the return value. Right for integers of any width the ABI
 * sign- or zero-extends, and shows pointers as numbers.
 */
export const RAW_REGISTER_CAPTURE: CaptureSpec = {
  args: ARG_REGISTERS.map((register, index) => ({ name: `arg${index}`, location: { register }, type: 's64' })),
  ret: 's64',
};

export interface NotCaptured {
  name: string;
  reason: string;
}

export interface FunctionCapture {
  capture: CaptureSpec;
  /** What the probe shows: the capture, and how to show what pointer arguments point to. */
  shape: CapturedShape;
  /** True when there is no DWARF and arguments are the raw registers. */
  raw: boolean;
  /** Why the arguments are raw (no DWARF), in words for the user; absent otherwise. */
  rawReason?: string;
  notCaptured: NotCaptured[];
  /** Why the return value is not captured, when it is not (and the function is not void). */
  returnNote?: string;
  /** Notes about the function as a whole (a compiler-made clone, DW_CC_nocall). */
  notes: string[];
}

/** A parameter's name for the event records: DWARF's, or argN; unique within the call. */
function argumentNames(signature: Signature): string[] {
  const seen = new Set<string>();
  return signature.params.map((param, index) => {
    let name = param.name ?? `arg${index}`;
    while (seen.has(name)) name = `${name}_${index}`;
    seen.add(name);
    return name;
  });
}

export function captureFromSignature(signature: Signature, maxArgs = MAX_CAPTURED_ARGS): FunctionCapture {
  if (!signature.hasDwarf) {
    return {
      capture: RAW_REGISTER_CAPTURE,
      shape: RAW_REGISTER_CAPTURE,
      raw: true,
      rawReason: signature.noDwarfReason ?? 'no DWARF for this function',
      notCaptured: [],
      notes: [],
    };
  }
  const result = captureParams(signature.params, argumentNames(signature), maxArgs);
  const { capture, layouts, enums } = result;
  capture.ret = signature.returnCapture;
  const returnEnum = signature.returnType?.kind === 'enum' ? signature.returnType.enumerators : undefined;
  let returnLayout: PointeeLayout | undefined;
  if (signature.returnPointee !== null && signature.returnPointee !== undefined && signature.returnCapture === 'pointer') {
    const { size, textAt, ...layout } = signature.returnPointee;
    const text = textAt === null ? {} : { stringAt: textAt, ...(layout.lengthAt === null ? {} : { lengthAt: layout.lengthAt }) };
    capture.retStruct = { size, ...text, ...(signature.returnRegisters === null || signature.returnRegisters === undefined ? {} : { registers: signature.returnRegisters }) };
    returnLayout = { ...layout, textAt };
  }
  const shape: CapturedShape = { ...capture, layouts, enums, ...(returnEnum === undefined ? {} : { returnEnum }), ...(returnLayout === undefined ? {} : { returnLayout }) };
  const captured: FunctionCapture = { capture, shape, raw: false, notCaptured: result.notCaptured, notes: signature.notes };
  const void_ = signature.returnType?.kind === 'void';
  if (signature.returnCapture === null && !void_ && signature.returnNote !== null) captured.returnNote = signature.returnNote.replace(/^not captured: /, '');
  return captured;
}

/** What can be read of these parameters (or a line's variables), in order, up to `maxArgs`. */
function captureParams(params: readonly Pick<ParamInfo, 'capture' | 'note' | 'pointee' | 'type'>[], names: readonly string[], maxArgs: number) {
  const args: ArgSpec[] = [];
  const layouts: Record<string, PointeeLayout> = {};
  const enums: Record<string, Record<string, string>> = {};
  const notCaptured: NotCaptured[] = [];
  params.forEach((param, index) => {
    const name = names[index] ?? `arg${index}`;
    if (param.capture === null) {
      notCaptured.push({ name, reason: (param.note ?? 'not captured').replace(/^not captured: /, '') });
    } else if (args.length >= maxArgs) {
      notCaptured.push({ name, reason: `the helper reads at most ${maxArgs} arguments per call` });
    } else if (param.pointee === null || param.capture.type !== 'pointer') {
      args.push({ name, location: param.capture.location, type: param.capture.type });
      if (param.type.kind === 'enum' && param.type.enumerators !== undefined) enums[name] = param.type.enumerators;
    } else {
      const { size, textAt, ...layout } = param.pointee;
      const text = textAt === null ? {} : { stringAt: textAt, ...(layout.lengthAt === null ? {} : { lengthAt: layout.lengthAt }) };
      args.push({ name, location: param.capture.location, type: 'pointer', deref: { size, ...text } });
      layouts[name] = { ...layout, textAt };
    }
  });
  const capture: CaptureSpec = { args, ret: null };
  return { capture, layouts, enums, notCaptured };
}

/** Why a line's variable is not read there, in words. */
function variableNote(variable: LineVariable): string | null {
  if (variable.capture !== null) return null;
  switch (variable.location.kind) {
    case 'optimized-out': return 'optimized out here';
    case 'constant': return `the constant ${variable.location.value ?? '?'} (the compiler keeps no copy)`;
    case 'unsupported': return `a computed location (${variable.location.text})`;
    case 'register':
    case 'memory':
      return `a ${variable.type.name} (${variable.type.kind}) is not read at a line yet`;
  }
}

/** What a line probe reads: the variables in scope there, innermost first, by name. */
export function captureVariables(variables: readonly LineVariable[], maxArgs = MAX_CAPTURED_ARGS): { capture: CaptureSpec; shape: CapturedShape; notCaptured: NotCaptured[] } {
  const seen = new Set<string>();
  // An inner variable hides an outer one of the same name: the outer is not in scope by name.
  const visible = variables.filter((variable) => !seen.has(variable.name) && seen.add(variable.name));
  const params = visible.map((variable) => ({ ...variable, note: variableNote(variable) }));
  const { capture, layouts, enums, notCaptured } = captureParams(params, visible.map((variable) => variable.name), maxArgs);
  return { capture, shape: { ...capture, layouts, enums }, notCaptured };
}

/** How much of each call is read (settings probeLens.capture.*); the helper bounds them too. */
export interface CaptureLimits {
  /** Bytes of a `char *` string, and of the text a struct's pointer points to. */
  stringLength: number;
  /** Bytes read where a pointer to a struct points (1..64). */
  structBytes: number;
  /** Read what pointer arguments point to at all (one level); off, they show as addresses. */
  followPointers: boolean;
}

export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = { stringLength: 64, structBytes: 64, followPointers: true };

/** A deref (or a struct returned) cut to `limit` bytes: its text pointer and length only while they lie within. */
function withinBytes<D extends { size: number; stringAt?: number; lengthAt?: number }>(deref: D, limit: number): D {
  const { stringAt, lengthAt, ...rest } = deref;
  const size = Math.min(deref.size, limit);
  const fits = (offset: number | undefined): offset is number => offset !== undefined && offset + 8 <= size;
  return { ...rest, size, ...(fits(stringAt) ? { stringAt, ...(fits(lengthAt) ? { lengthAt } : {}) } : {}) } as D;
}

/** `capture` read within `limits`: strings cut shorter, structs read in part or not at all. */
export function withCaptureLimits<T extends CaptureSpec | { stringLength?: number }>(capture: T, limits: CaptureLimits): T {
  const bounded = { ...capture, stringLength: limits.stringLength };
  if (!('args' in bounded)) return bounded;
  const { retStruct, ...rest } = bounded;
  const args = bounded.args.map(({ deref, ...arg }): ArgSpec => (deref === undefined || !limits.followPointers ? arg : { ...arg, deref: withinBytes(deref, limits.structBytes) }));
  const returned = retStruct !== undefined && limits.followPointers ? { retStruct: withinBytes(retStruct, limits.structBytes) } : {};
  return { ...rest, ...returned, args } as T;
}

/** One line for the user on what is not shown, or undefined when everything is. */
export function describeCaptureGaps(functionName: string, capture: FunctionCapture): string | undefined {
  if (capture.raw) return `${functionName}: arguments are shown raw as arg0..arg5 (64-bit registers): ${capture.rawReason ?? 'no DWARF'}`;
  const parts = capture.notCaptured.map(({ name, reason }) => `${name}: ${reason}`);
  if (capture.returnNote !== undefined) parts.push(`return value: ${capture.returnNote}`);
  parts.push(...capture.notes);
  return parts.length === 0 ? undefined : `${functionName}: not captured — ${parts.join('; ')}`;
}
