// Lists a .vsix (a zip) and checks that it holds only what ships: the bundle, the native
// helper and symbol addon, media (icons, polkit policy), the manifest, README, LICENSE and
// CHANGELOG — and that it is for linux-x64 only. Reads the zip itself (node's zlib inflates),
// so it needs no dependency.
//   node scripts/vsix-listing.mjs out/probe-lens-0.1.0.vsix
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/vsix-listing.mjs FILE.vsix');
  process.exit(2);
}
const zip = readFileSync(file);

/** Every entry of the zip's central directory: { name, size, mode, content() }. */
function entries(buffer) {
  // The end-of-central-directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buffer.length - 22; i >= Math.max(0, buffer.length - 65_557); i--) {
    if (buffer.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buffer.readUInt16LE(eocd + 10);
  let at = buffer.readUInt32LE(eocd + 16);
  const list = [];
  for (let n = 0; n < count; n++) {
    if (buffer.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const method = buffer.readUInt16LE(at + 10);
    const packedSize = buffer.readUInt32LE(at + 20);
    const size = buffer.readUInt32LE(at + 24);
    const local = buffer.readUInt32LE(at + 42);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const external = buffer.readUInt32LE(at + 38);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    const content = () => {
      const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
      const data = buffer.subarray(start, start + packedSize);
      return method === 8 ? inflateRawSync(data) : data;
    };
    list.push({ name, size, mode: external >>> 16, content });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return list;
}

const shipped = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/i,
  /^extension\/license(\.txt|\.md)?$/i,
  /^extension\/changelog\.md$/i,
  /^extension\/out\/extension\.js$/,
  /^extension\/out\/[\w.-]+\.node$/,
  /^extension\/native\/build\/probe-lens-helper$/,
  /^extension\/media\/.+/,
];
const required = [
  'extension/package.json',
  'extension/out/extension.js',
  'extension/out/probe-lens-symbols.node',
  'extension/native/build/probe-lens-helper',
  'extension/media/polkit/io.github.probe-lens.helper.policy',
  'extension/media/icon.png',
];

const list = entries(zip);
let total = 0;
for (const { name, size, mode } of list) {
  total += size;
  console.log(`${String(size).padStart(10)}  ${mode ? (mode & 0o777).toString(8).padStart(3, '0') : '   '}  ${name}`);
}
console.log(`${String(total).padStart(10)}  ${list.length} files, ${(zip.length / 1024).toFixed(0)} KiB packed: ${file}`);

const problems = [];
for (const { name } of list) if (!shipped.some((pattern) => pattern.test(name))) problems.push(`does not ship: ${name}`);
for (const name of required) if (!list.some((entry) => entry.name === name)) problems.push(`missing: ${name}`);
for (const pattern of [/^extension\/license(\.txt|\.md)?$/i, /^extension\/changelog\.md$/i]) {
  if (!list.some((entry) => pattern.test(entry.name))) problems.push(`missing: ${pattern.source}`);
}
const manifest = list.find((entry) => entry.name === 'extension.vsixmanifest')?.content().toString('utf8') ?? '';
// The helper and the addon are x86-64 Linux binaries: VS Code installs the package nowhere else.
if (!/TargetPlatform="linux-x64"/.test(manifest)) problems.push('the manifest names no TargetPlatform="linux-x64"');
if (!/<Property Id="Microsoft\.VisualStudio\.Services\.Links\.Source"/.test(manifest)) problems.push('the manifest names no repository');
const helper = list.find((entry) => entry.name === 'extension/native/build/probe-lens-helper');
if (helper && helper.mode !== 0 && (helper.mode & 0o111) === 0) problems.push('the helper is not executable in the package');
if (problems.length > 0) {
  console.error(`${file}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
