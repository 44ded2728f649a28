// Finding the helper and choosing how to get privilege (extension/core/helper-process.ts).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { locateHelper, noPrivilegeMessage, privilegeModeFrom } from '../../out/test-core/helper-process.mjs';

describe('privilegeModeFrom (PROBE_LENS_PRIVILEGE)', () => {
  it('defaults to auto and accepts direct and sudo', () => {
    assert.equal(privilegeModeFrom(undefined), 'auto');
    assert.equal(privilegeModeFrom(''), 'auto');
    assert.equal(privilegeModeFrom('auto'), 'auto');
    assert.equal(privilegeModeFrom('direct'), 'direct');
    assert.equal(privilegeModeFrom('sudo'), 'sudo');
  });

  it('rejects anything else as a usage error', () => {
    assert.throws(() => privilegeModeFrom('pkexec'), (error) => error.code === 'usage' && /direct, sudo or auto/.test(error.message));
  });
});

describe('locateHelper', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'probe-lens-locate-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds native/build/probe-lens-helper under the package root', () => {
    mkdirSync(path.join(root, 'native', 'build'), { recursive: true });
    writeFileSync(path.join(root, 'native', 'build', 'probe-lens-helper'), '');
    assert.equal(locateHelper({}, root), path.join(root, 'native', 'build', 'probe-lens-helper'));
  });

  it('prefers PROBE_LENS_HELPER, made absolute', () => {
    writeFileSync(path.join(root, 'custom-helper'), '');
    const relative = path.relative(process.cwd(), path.join(root, 'custom-helper'));
    assert.equal(locateHelper({ PROBE_LENS_HELPER: relative }, '/nowhere'), path.join(root, 'custom-helper'));
  });

  it('says where it looked and how to build when missing', () => {
    assert.throws(() => locateHelper({}, '/nowhere'), (error) => error.code === 'helper-not-found' && /make -C native/.test(error.message) && error.message.includes('/nowhere/native/build/probe-lens-helper'));
    assert.throws(() => locateHelper({ PROBE_LENS_HELPER: '/no/such/helper' }, root), (error) => error.code === 'helper-not-found' && /PROBE_LENS_HELPER points to \/no\/such\/helper/.test(error.message));
  });
});

describe('noPrivilegeMessage', () => {
  it('gives the three fixes with the helper path', () => {
    const message = noPrivilegeMessage('/opt/pl/helper', 'not root');
    assert.match(message, /\(not root\)/);
    assert.match(message, /run probe-lens as root/);
    assert.match(message, /sudo -n \/opt\/pl\/helper/);
    assert.match(message, /setcap cap_bpf,cap_perfmon\+ep \/opt\/pl\/helper/);
  });
});
