// Lists a .vsix (a zip) and checks that it holds only what ships: the bundle, the native
// helper and symbol addon, media (icons, polkit policy), the manifest, README, LICENSE and
// CHANGELOG — and that it is for linux-x64 only.
//   node scripts/vsix-listing.mjs out/probe-lens-0.1.0.vsix
import { statSync } from 'node:fs';
import { readVsix } from './lib/vsix.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/vsix-listing.mjs FILE.vsix');
  process.exit(2);
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

const list = await readVsix(file);
let total = 0;
for (const { name, size, mode } of list) {
  total += size;
  console.log(`${String(size).padStart(10)}  ${mode ? (mode & 0o777).toString(8).padStart(3, '0') : '   '}  ${name}`);
}
console.log(`${String(total).padStart(10)}  ${list.length} files, ${(statSync(file).size / 1024).toFixed(0)} KiB packed: ${file}`);

const problems = [];
for (const { name } of list) if (!shipped.some((pattern) => pattern.test(name))) problems.push(`does not ship: ${name}`);
for (const name of required) if (!list.some((entry) => entry.name === name)) problems.push(`missing: ${name}`);
for (const pattern of [/^extension\/license(\.txt|\.md)?$/i, /^extension\/changelog\.md$/i]) {
  if (!list.some((entry) => pattern.test(entry.name))) problems.push(`missing: ${pattern.source}`);
}
const manifest = list.find((entry) => entry.name === 'extension.vsixmanifest')?.content.toString('utf8') ?? '';
// The helper and the addon are x86-64 Linux binaries: VS Code installs the package nowhere else.
if (!/TargetPlatform="linux-x64"/.test(manifest)) problems.push('the manifest names no TargetPlatform="linux-x64"');
if (!/<Property Id="Microsoft\.VisualStudio\.Services\.Links\.Source"/.test(manifest)) problems.push('the manifest names no repository');
const helper = list.find((entry) => entry.name === 'extension/native/build/probe-lens-helper');
if (helper && helper.mode !== 0 && (helper.mode & 0o111) === 0) problems.push('the helper is not executable in the package');
if (problems.length > 0) {
  console.error(`${file}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
