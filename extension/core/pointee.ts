// What a pointer argument points to, as a person reads it: the struct's fields by name, one
// level deep (`key={mv_size=9, mv_data="key-00042"}`), a C++ string as its text, and memory the
// helper could not read said so (`<unreadable 0x10>`), never shown as a value. The bytes come
// from the helper (read at entry, in BPF); how they are laid out comes from DWARF. The same
// decoding gives the JSON export its structured values.

import type { PointeeLayout, PointeeValue, ValueType } from './protocol';

export function isPointeeValue(value: unknown): value is PointeeValue {
  return typeof value === 'object' && value !== null && 'address' in value;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The helper's hex, as bytes (no Buffer: the Calls panel's webview shares this code). */
function fromHex(hex: string): DataView {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return new DataView(bytes.buffer);
}

const SIZES: Record<ValueType, number> = { u8: 1, s8: 1, char: 1, bool: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8, pointer: 8, string: 8 };

function integerAt(bytes: DataView, offset: number, size: number, signed: boolean): bigint {
  switch (size) {
    case 1: return BigInt(signed ? bytes.getInt8(offset) : bytes.getUint8(offset));
    case 2: return BigInt(signed ? bytes.getInt16(offset, true) : bytes.getUint16(offset, true));
    case 4: return BigInt(signed ? bytes.getInt32(offset, true) : bytes.getUint32(offset, true));
    default: return signed ? bytes.getBigInt64(offset, true) : bytes.getBigUint64(offset, true);
  }
}

/** A field's value: a number (a decimal string beyond 2^53), a bool, or an address "0x…". */
function fieldAt(bytes: DataView, offset: number, type: ValueType): number | string | boolean | undefined {
  const size = SIZES[type];
  if (offset + size > bytes.byteLength) return undefined;
  // s8…s64 and char are signed; an address never is ('string' starts with an s too).
  const raw = integerAt(bytes, offset, size, /^s\d/.test(type) || type === 'char');
  if (type === 'pointer' || type === 'string') return `0x${raw.toString(16)}`;
  if (type === 'bool') return raw !== 0n;
  return raw > SAFE || raw < -SAFE ? raw.toString() : Number(raw);
}

/**
 * The text, cut to the length field when the layout has one; `cut` when more was not read. Bytes
 * read by length (`data`) are all there, NULs included; as UTF-8, the rest escaped when shown.
 */
function textOf(value: { text: string } | { data: string }, bytes: DataView, layout: PointeeLayout): { text: string; cut: boolean } {
  if (layout.inlineWhenShort === true && bytes.byteLength > 0 && (bytes.getUint8(0) & 1) === 0) {
    const length = Math.min(bytes.getUint8(0) >> 1, bytes.byteLength - 1);
    return { text: new TextDecoder().decode(new Uint8Array(bytes.buffer, 1, length)), cut: false };
  }
  const utf8 = 'data' in value ? new Uint8Array(fromHex(value.data).buffer) : new TextEncoder().encode(value.text);
  const whole = (): string => new TextDecoder().decode(utf8);
  if (layout.lengthAt === null || layout.lengthAt + 8 > bytes.byteLength) return { text: whole(), cut: false };
  const length = bytes.getBigUint64(layout.lengthAt, true);
  if (length <= BigInt(utf8.length)) return { text: new TextDecoder().decode(utf8.subarray(0, Number(length))), cut: false };
  return { text: whole(), cut: true };
}

type Decoded =
  | { kind: 'unreadable' | 'address' }
  | { kind: 'text'; text: string; cut: boolean }
  | { kind: 'fields'; fields: { name: string; value: number | string | boolean | undefined; text?: { text: string; cut: boolean } }[]; cut: boolean };

function decode(value: PointeeValue, layout: PointeeLayout | undefined): Decoded {
  if ('unreadable' in value) return { kind: 'unreadable' };
  if (layout === undefined) return { kind: 'address' };
  const bytes = fromHex(value.bytes);
  if (layout.textOnly) return { kind: 'text', ...textOf(value, bytes, layout) };
  // Fields past the bytes read (probeLens.capture.structBytes) are left out, and that is said.
  const read = layout.fields.filter((field) => field.offset + SIZES[field.type] <= bytes.byteLength);
  return {
    kind: 'fields',
    fields: read.map((field) =>
      field.offset === layout.textAt ? { name: field.name, value: undefined, text: textOf(value, bytes, layout) } : { name: field.name, value: fieldAt(bytes, field.offset, field.type) },
    ),
    cut: read.length < layout.fields.length,
  };
}

const quoted = ({ text, cut }: { text: string; cut: boolean }): string => `${JSON.stringify(text)}${cut ? '…' : ''}`;

export function formatPointee(value: PointeeValue, layout: PointeeLayout | undefined): string {
  const decoded = decode(value, layout);
  switch (decoded.kind) {
    case 'unreadable':
      return `<unreadable ${value.address}>`;
    case 'address':
      // A struct by value with no layout to show has no address either.
      return value.address ?? '{…}';
    case 'text':
      return quoted(decoded);
    case 'fields':
      return `{${[...decoded.fields.map((field) => `${field.name}=${field.text !== undefined ? quoted(field.text) : String(field.value ?? '?')}`), ...(decoded.cut ? ['…'] : [])].join(', ')}}`;
  }
}

/** For JSON lines: `{address, text}` or `{address, fields: {name: value}}`, or `{address, unreadable}`. */
export function pointeeJson(value: PointeeValue, layout: PointeeLayout | undefined): Record<string, unknown> {
  const decoded = decode(value, layout);
  switch (decoded.kind) {
    case 'unreadable':
      return { address: value.address, unreadable: true };
    case 'address':
      return { address: value.address };
    case 'text':
      return { address: value.address, text: decoded.text, ...(decoded.cut ? { cut: true } : {}) };
    case 'fields':
      return { address: value.address, fields: Object.fromEntries(decoded.fields.map((field) => [field.name, field.text?.text ?? field.value ?? null])), ...(decoded.cut ? { cut: true } : {}) };
  }
}
