// C++ names shortened for labels (extension/core/names.ts).

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { readableName } from '../../out/test-core/names.mjs';

it('std::string, vectors and maps without their default template arguments', () => {
  const string = 'std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >';
  assert.equal(readableName(`kv::Store::Put(${string} const&, ${string} const&)`), 'kv::Store::Put(std::string const&, std::string const&)');
  assert.equal(readableName(`f(std::vector<${string}, std::allocator<${string}> > const&)`), 'f(std::vector<std::string> const&)');
  assert.equal(
    readableName('g(std::map<int, long, std::less<int>, std::allocator<std::pair<int const, long> > >&)'),
    'g(std::map<int, long>&)',
  );
  assert.equal(readableName('h(std::basic_string_view<char, std::char_traits<char> >)'), 'h(std::string_view)');
  assert.equal(readableName('std::unique_ptr<Node, std::default_delete<Node> >::reset(Node*)'), 'std::unique_ptr<Node>::reset(Node*)');
});

it('leaves C names, operators and non-default arguments alone', () => {
  assert.equal(readableName('price_order'), 'price_order');
  assert.equal(readableName('geo::biggest<long>(long, long)'), 'geo::biggest<long>(long, long)');
  assert.equal(readableName('Matrix::operator<<(int)'), 'Matrix::operator<<(int)');
  assert.equal(readableName('Cmp::operator<(Cmp const&) const'), 'Cmp::operator<(Cmp const&) const');
  assert.equal(readableName('operator<(std::vector<int, std::allocator<int> > const&, int)'), 'operator<(std::vector<int> const&, int)');
  assert.equal(readableName('std::map<int, long, Reverse>::find(int const&)'), 'std::map<int, long, Reverse>::find(int const&)');
});

it('binaries built from one source are told apart in labels by the path components that differ', async () => {
  const { binaryLabel } = await import('../../out/test-core/binaries-for-source.mjs');
  const builds = ['/w/lmdb/build/O0/mdb_stat', '/w/lmdb/build/O2/mdb_stat', '/w/other/mdb_load'];
  assert.deepEqual(builds.map((binary) => binaryLabel(binary, builds)), ['O0/mdb_stat', 'O2/mdb_stat', 'mdb_load']);
  assert.equal(binaryLabel('/w/a/app', ['/w/a/app']), 'app');
  assert.equal(binaryLabel('/x/app', ['/x/app', '/y/x/app']), '/x/app', 'the whole path when one is a suffix of the other');
});
