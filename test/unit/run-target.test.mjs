// What Run with Probes offers when nothing names a program, and whether a program holds any
// probe (extension/core/run-target.ts).

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { probesIn, programsToOffer } from '../../out/test-core/run-target.mjs';

const probes = [
  { binary: '/w/build/orders', program: undefined },
  { binary: '/usr/lib/x86_64-linux-gnu/libc.so.6', program: '/w/build/report' },
  { binary: '/w/build/libshapes.so', program: undefined },
];

it('offers the probed programs first, then the workspace\'s executables, never a shared library', () => {
  assert.deepEqual(programsToOffer(probes, ['/w/build/tool', '/w/build/orders', '/w/build/libshapes.so']), ['/w/build/orders', '/w/build/report', '/w/build/tool']);
  assert.deepEqual(programsToOffer([], []), []);
});

it('a program holds the probes on it, on libraries it may load, and those counted for it', () => {
  assert.equal(probesIn('/w/build/orders', probes).length, 2, 'its own, and the library probe it may load');
  assert.equal(probesIn('/w/build/report', probes).length, 2);
  assert.deepEqual(probesIn('/w/build/tool', [probes[0]]), [], 'nothing in it: the user is warned');
});
