// What a pointer argument points to, shown from the bytes the helper read and the DWARF layout
// (extension/core/pointee.ts): fields by name, the text a field points to cut to its length,
// a C++ string as text, unreadable memory said so.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatArgs } from '../../out/test-core/format.mjs';

const u64 = (n) => Buffer.from(new BigUint64Array([BigInt(n)]).buffer).toString('hex');
const mdbVal = { typeName: 'MDB_val', textAt: 8, lengthAt: 0, textOnly: false, fields: [{ name: 'mv_size', offset: 0, type: 'u64' }, { name: 'mv_data', offset: 8, type: 'string' }] };
const stdString = { typeName: 'std::__cxx11::basic_string<char, …>', textAt: 0, lengthAt: 8, textOnly: true, fields: [] };
const shape = { args: [{ name: 'key', type: 'pointer' }, { name: 'name', type: 'pointer' }, { name: 'n', type: 's32' }], layouts: { key: mdbVal, name: stdString } };

it('shows a struct\'s fields by name and the text a field points to, cut to the size beside it', () => {
  const key = { address: '0x7ffd10', bytes: u64(9) + u64(0x5555), text: 'key-00042 and more' };
  const name = { address: '0x7ffd40', bytes: u64(0x6666) + u64(5) + u64(0) + u64(0), text: 'widget' };
  assert.equal(formatArgs(shape, { key, name, n: -3 }), 'key={mv_size=9, mv_data="key-00042"}, name="widge", n=-3', 'a std::string is its text, its length honoured');
});

it('says when the text was longer than what was read, and when the memory was unreadable or NULL', () => {
  const long = { address: '0x10', bytes: u64(500) + u64(0x5555), text: 'x'.repeat(64) };
  assert.equal(formatArgs(shape, { key: long }), `key={mv_size=500, mv_data="${'x'.repeat(64)}"…}`);
  assert.equal(formatArgs(shape, { key: { address: '0x10', unreadable: true }, name: null }), 'key=<unreadable 0x10>, name=NULL');
});

it('shows integers of every width and sign, bools, and pointers (a char * not read as text too) as addresses', () => {
  const layout = { typeName: 'struct s', textAt: null, lengthAt: null, textOnly: false, fields: [
    { name: 'c', offset: 0, type: 'char' }, { name: 'b', offset: 1, type: 'bool' }, { name: 'h', offset: 2, type: 's16' },
    { name: 'i', offset: 4, type: 'u32' }, { name: 'big', offset: 8, type: 'u64' }, { name: 'next', offset: 16, type: 'string' },
  ] };
  const bytes = Buffer.alloc(24);
  bytes.writeInt8(-1, 0);
  bytes.writeUInt8(1, 1);
  bytes.writeInt16LE(-300, 2);
  bytes.writeUInt32LE(4000000000, 4);
  bytes.writeBigUInt64LE(18446744073709551615n, 8);
  bytes.writeBigUInt64LE(0xffff800000001000n, 16); // a kernel-half address: never shown negative
  const out = formatArgs({ args: [{ name: 's', type: 'pointer' }], layouts: { s: layout } }, { s: { address: '0x1', bytes: bytes.toString('hex'), text: '' } });
  assert.equal(out, 's={c=-1, b=true, h=-300, i=4000000000, big=18446744073709551615, next=0xffff800000001000}');
});

it('leaves out the fields past the bytes read (probeLens.capture.structBytes), and says so', () => {
  const key = { address: '0x7ffd10', bytes: u64(9), text: '' };
  assert.equal(formatArgs(shape, { key }), 'key={mv_size=9, …}');
});

it('bytes read by their length (binary data): every byte shown, NULs and all, escaped', () => {
  const key = { address: '0x7ffd10', bytes: u64(8) + u64(0x5555), data: '0100000000000000' };
  assert.equal(formatArgs(shape, { key }), 'key={mv_size=8, mv_data="\\u0001\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000"}');
  const longer = { address: '0x7ffd10', bytes: u64(300) + u64(0x5555), data: '6869' };
  assert.equal(formatArgs(shape, { key: longer }), 'key={mv_size=300, mv_data="hi"…}');
});

it("libc++'s std::string: short, the text inline after a size byte; long, where its pointer points", () => {
  const libcxx = { typeName: 'string', textAt: 16, lengthAt: 8, textOnly: true, inlineWhenShort: true, fields: [] };
  const shortBytes = Buffer.alloc(24);
  shortBytes.writeUInt8(5 << 1, 0);
  shortBytes.write('short', 1);
  const withLibcxx = { args: [{ name: 's', type: 'pointer' }], layouts: { s: libcxx } };
  assert.equal(formatArgs(withLibcxx, { s: { address: '0x10', bytes: shortBytes.toString('hex'), text: '' } }), 's="short"');
  const longBytes = u64(41) + u64(3) + u64(0x5555);
  assert.equal(formatArgs(withLibcxx, { s: { address: '0x10', bytes: longBytes, data: Buffer.from('abc').toString('hex') } }), 's="abc"');
});
