// Signatures (as the symbol addon gives them) into the helper's CaptureSpec: names, places,
// types, the six-argument limit, what is not captured and why, and raw registers without DWARF.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureFromSignature, DEFAULT_CAPTURE_LIMITS, describeCaptureGaps, RAW_REGISTER_CAPTURE, withCaptureLimits } from '../../out/test-core/capture-spec.mjs';

const type = (name, kind = 'integer') => ({ name, kind, size: 8, signed: true });
const param = (name, capture, note = null) => ({
  name,
  type: type('long'),
  artificial: false,
  dwarfLocation: null,
  passedIn: capture?.location.register ?? null,
  capture,
  note,
});
const reg = (register, valueType = 's64') => ({ location: { register }, type: valueType });
const signature = (params, extra = {}) => ({
  function: { name: 'f' },
  hasDwarf: true,
  noDwarfReason: null,
  params,
  returnType: type('long'),
  returnCapture: 's64',
  returnNote: null,
  variadic: false,
  notes: [],
  ...extra,
});

describe('captureFromSignature', () => {
  it('keeps DWARF names, places and types, and the return type', () => {
    const result = captureFromSignature(signature([param('s', reg('rdi', 'string')), param('n', { location: { stackOffset: 8 }, type: 'u32' })]));
    assert.deepEqual(result.capture, {
      args: [
        { name: 's', location: { register: 'rdi' }, type: 'string' },
        { name: 'n', location: { stackOffset: 8 }, type: 'u32' },
      ],
      ret: 's64',
    });
    assert.equal(result.raw, false);
    assert.deepEqual(result.notCaptured, []);
    assert.equal(describeCaptureGaps('f', result), undefined);
  });

  it('keeps the enumerators of enum arguments and of an enum return value, to show them by name', () => {
    const color = { ...type('enum color', 'enum'), size: 4, enumerators: { '-1': 'RED', 1: 'GREEN' } };
    const result = captureFromSignature(signature([{ ...param('c', reg('rdi', 's32')), type: color }, param('n', reg('rsi'))], { returnType: color, returnCapture: 's32' }));
    assert.deepEqual(result.shape.enums, { c: { '-1': 'RED', 1: 'GREEN' } });
    assert.deepEqual(result.shape.returnEnum, { '-1': 'RED', 1: 'GREEN' });
    assert.equal('enums' in result.capture, false, 'never sent to the helper');
  });

  it('lists what is not captured, with the reason, and keeps the rest', () => {
    const result = captureFromSignature(
      signature([param('x', null, 'not captured: floating point is passed in xmm0, which BPF cannot read'), param('a', reg('rdi'))], {
        returnCapture: null,
        returnType: type('double', 'float'),
        returnNote: 'not captured: floating point is returned in xmm0, which BPF cannot read',
      }),
    );
    assert.deepEqual(result.capture.args.map((arg) => arg.name), ['a']);
    assert.equal(result.capture.ret, null);
    assert.deepEqual(result.notCaptured, [{ name: 'x', reason: 'floating point is passed in xmm0, which BPF cannot read' }]);
    assert.equal(
      describeCaptureGaps('f', result),
      'f: not captured — x: floating point is passed in xmm0, which BPF cannot read; return value: floating point is returned in xmm0, which BPF cannot read',
    );
  });

  it('captures at most six arguments; unnamed and repeated names stay unique', () => {
    const registers = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'];
    const params = registers.map((r, i) => param(i === 2 ? null : i === 4 ? 'a' : i === 0 ? 'a' : `p${i}`, reg(r)));
    params.push(param('seventh', { location: { stackOffset: 8 }, type: 's64' }));
    const result = captureFromSignature(signature(params));
    assert.deepEqual(result.capture.args.map((arg) => arg.name), ['a', 'p1', 'arg2', 'p3', 'a_4', 'p5']);
    assert.deepEqual(result.notCaptured, [{ name: 'seventh', reason: 'the helper reads at most 6 arguments per call' }]);
  });

  it('a void function captures no return value and says nothing about it', () => {
    const result = captureFromSignature(signature([], { returnType: { name: 'void', kind: 'void', size: 0, signed: false }, returnCapture: null, returnNote: 'void' }));
    assert.equal(result.capture.ret, null);
    assert.equal(result.returnNote, undefined);
  });

  it('without DWARF: the six registers raw, and why', () => {
    const result = captureFromSignature(signature([], { hasDwarf: false, noDwarfReason: '/x has no DWARF debug info' }));
    assert.equal(result.raw, true);
    assert.deepEqual(result.capture, RAW_REGISTER_CAPTURE);
    assert.match(describeCaptureGaps('f', result), /^f: arguments are shown raw as arg0\.\.arg5 \(64-bit registers\): \/x has no DWARF debug info$/);
  });
});

describe('withCaptureLimits (probeLens.capture.*)', () => {
  const capture = {
    args: [
      { name: 'key', location: { register: 'rdi' }, type: 'pointer', deref: { size: 16, stringAt: 8 } },
      { name: 'name', location: { register: 'rsi' }, type: 'string' },
    ],
    ret: 's32',
  };
  it('sets the string length and keeps what fits', () => {
    assert.deepEqual(withCaptureLimits(capture, DEFAULT_CAPTURE_LIMITS), { ...capture, stringLength: 64 });
  });
  it('reads fewer struct bytes, dropping a text pointer that no longer fits', () => {
    const limited = withCaptureLimits(capture, { stringLength: 16, structBytes: 8, followPointers: true });
    assert.deepEqual(limited.args[0].deref, { size: 8 });
    assert.equal(limited.stringLength, 16);
  });
  it('keeps a length beside the text pointer only while both lie within the bytes read', () => {
    const sized = { args: [{ name: 'key', location: { register: 'rdi' }, type: 'pointer', deref: { size: 16, stringAt: 8, lengthAt: 0 } }] };
    assert.deepEqual(withCaptureLimits(sized, DEFAULT_CAPTURE_LIMITS).args[0].deref, { size: 16, stringAt: 8, lengthAt: 0 });
    assert.deepEqual(withCaptureLimits(sized, { ...DEFAULT_CAPTURE_LIMITS, structBytes: 8 }).args[0].deref, { size: 8 });
  });

  it('reads no pointee at all when pointers are not followed; kernel captures get only the string length', () => {
    const limited = withCaptureLimits(capture, { ...DEFAULT_CAPTURE_LIMITS, followPointers: false });
    assert.equal('deref' in limited.args[0], false);
    assert.deepEqual(withCaptureLimits({ stringLength: 32 }, DEFAULT_CAPTURE_LIMITS), { stringLength: 64 });
  });
});
