// "Probe Function in Binary…" order (extension/core/function-pick.ts): the workspace's own
// functions first, the standard library's last, each function once.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { functionsToPick } from '../../out/test-core/function-pick.mjs';

const fn = (demangled, address, file, extra = {}) => ({ name: demangled, demangled, address, file, fragment: false, inlinedOnly: false, ...extra });

it('groups the workspace\'s functions first, std and compiler functions last, without aliases or parts', () => {
  const functions = [
    fn('std::vector<int, std::allocator<int> >::push_back(int const&)', 0x10, '/usr/include/c++/12/bits/stl_vector.h'),
    fn('main', 0x20, '/w/app/main.c'),
    fn('mdb_put', 0x30, '/w/app/lmdb/mdb.c'),
    fn('mdb_put_alias', 0x30, '/w/app/lmdb/mdb.c'),
    fn('helper.cold', 0x40, '/w/app/main.c', { fragment: true }),
    fn('_GLOBAL__sub_I_main', 0x50, null),
    fn('zlib_inflate', 0x60, '/build/zlib/inflate.c'),
    fn('inlined', null, '/w/app/main.c', { inlinedOnly: true }),
  ];
  const picked = functionsToPick(functions, ['/w/app']);
  assert.deepEqual(picked.map(({ fn: f, group }) => `${group}:${f.demangled}`), [
    'workspace:inlined',
    'workspace:main',
    'workspace:mdb_put',
    'program:zlib_inflate',
    'library:_GLOBAL__sub_I_main',
    'library:std::vector<int, std::allocator<int> >::push_back(int const&)',
  ]);
});
