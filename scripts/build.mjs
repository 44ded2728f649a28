// Bundles the TypeScript with esbuild: the CLI into out/cli.js, the extension into
// out/extension.js (`vscode` external: the extension host provides it), its in-host integration
// tests into out/test/extension/index.js, the Calls panel's webview script into
// media/dist/calls-panel.js (a browser IIFE: webviews load only from media/), and the pure core
// modules into out/test-core/*.mjs for the unit tests (node --test imports them as plain ES modules).
// tsc only type-checks (`npm run typecheck`); it never emits.

import { existsSync, rmSync } from 'node:fs';
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
  ...(existsSync('extension/main.ts') ? [{ ...shared, entryPoints: ['extension/main.ts'], outfile: 'out/extension.js', format: 'cjs', external: ['vscode'] }] : []),
  ...(existsSync('test/extension/suite/index.ts')
    ? [{ ...shared, entryPoints: ['test/extension/suite/index.ts'], outfile: 'out/test/extension/index.js', format: 'cjs', external: ['vscode'] }]
    : []),
  // The extension benchmark's load (bench/parts/extension.mjs runs it in the extension host).
  ...(existsSync('test/extension/suite/bench-load.ts')
    ? [{ ...shared, entryPoints: ['test/extension/suite/bench-load.ts'], outfile: 'out/test/extension/bench-load.js', format: 'cjs', external: ['vscode'] }]
    : []),
  {
    entryPoints: ['extension/webview/calls-panel.ts'],
    outfile: 'media/dist/calls-panel.js',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'warning',
  },
  {
    ...shared,
    entryPoints: ['targets', 'format', 'latency', 'errors', 'helper-connection', 'helper-process', 'symbols-addon', 'capture-spec', 'binaries-for-source', 'probe-aggregate', 'annotation-text', 'throttle', 'privilege', 'call-log', 'anchor-lines', 'probe-manager', 'editor-target', 'panel-messages', 'panel-view', 'held-command', 'names', 'function-pick', 'run-target', 'stacks', 'histogram', 'metrics', 'otlp', 'agent-config', 'stack-totals', 'stack-names', 'callers'].map((name) => `extension/core/${name}.ts`),
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
