// Bundles the TypeScript with esbuild: the CLI into out/cli.js, and the pure core modules into
// out/test-core/*.mjs for the unit tests (node --test imports them as plain ES modules).
// tsc only type-checks (`npm run typecheck`); it never emits.
// The extension bundle (extension/main.ts → out/extension.js, with `vscode` external) joins
// the `bundles` list here when extension/main.ts exists.

import { rmSync } from 'node:fs';
import * as esbuild from 'esbuild';

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};

const bundles = [
  {
    ...shared,
    entryPoints: ['extension/cli/main.ts'],
    outfile: 'out/cli.js',
    format: 'cjs',
  },
  {
    ...shared,
    entryPoints: ['targets', 'format', 'latency', 'errors', 'helper-connection', 'helper-process', 'symbols-addon', 'capture-spec', 'binaries-for-source'].map((name) => `extension/core/${name}.ts`),
    outdir: 'out/test-core',
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    // Shared modules become shared chunks, so `instanceof` holds across entry points.
    splitting: true,
    // Bundled CommonJS dependencies (vscode-jsonrpc) require node built-ins.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  },
];

// Chunk names change with content: start clean so stale ones do not pile up.
rmSync('out/test-core', { recursive: true, force: true });
await Promise.all(bundles.map((options) => esbuild.build(options)));
