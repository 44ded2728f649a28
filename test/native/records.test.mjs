// The helper's hand-written probe/events JSON, checked against jansson by a C test
// (native/test/records_test.c) built with AddressSanitizer and UBSan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const native = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'native');

test('every batch of records parses back to exactly what went in', () => {
  const run = spawnSync('make', ['-s', '-C', native, 'check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /records_test: 75700 records in 40 batches, 0 failures/);
});
