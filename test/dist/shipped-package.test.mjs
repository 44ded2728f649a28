// The shipped package on other Linuxes (issue 14): the helper and the symbol addon out of
// `npm run package`'s .vsix, put into clean Debian 11 (bullseye, glibc 2.31: the baseline) and
// Debian 13 (trixie) root file systems made by debootstrap from Debian's packages only, with no
// development package, and run there chrooted on this kernel: the addon indexes a binary, the
// helper answers initialize and probes a process, counting exactly. The CLI bundle drives them
// with this machine's node (it needs glibc 2.28), copied in; the fixture is built against the
// package's bullseye sysroot.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVsix } from '../../scripts/lib/vsix.mjs';
import { RawHelper, closeAllHelpers } from '../support/raw-helper.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOTFS_DIR = path.join(REPO, 'out', 'dist', 'rootfs');
const SYSROOT = path.join(REPO, 'out', 'dist', 'toolchain', 'sysroot');
const IN_ROOT = path.join(REPO, 'test', 'dist', 'in-root.sh');
// Where things go inside each root file system.
const INSTALLED = '/opt/probe-lens';
const HELPER = `${INSTALLED}/extension/native/build/probe-lens-helper`;
const ADDON = `${INSTALLED}/extension/out/probe-lens-symbols.node`;
const DRIVER = '/opt/probe-lens-test';
const FIXTURE = `${DRIVER}/add-loop`;
const CALLS = 500;

const notRoot = process.geteuid() !== 0 && 'needs root (debootstrap, chroot, and the helper probing a process)';
if (notRoot) console.log(`# SKIPPED test/dist: ${notRoot}`);

/** Runs COMMAND chrooted into ROOT with the package's paths in its environment. */
function inRoot(root, command) {
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', PROBE_LENS_HELPER: HELPER, PROBE_LENS_SYMBOLS_ADDON: ADDON, PROBE_LENS_PRIVILEGE: 'direct' };
  const result = spawnSync('bash', [IN_ROOT, root, ...command], { encoding: 'utf8', env, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function jsonLines(result) {
  assert.equal(result.status, 0, `failed in the root file system:\n${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
}

let vsixEntries;

describe('the shipped package in clean Debian root file systems', { skip: notRoot }, () => {
  before(async () => {
    const packed = execFileSync('bash', [path.join(REPO, 'scripts', 'package.sh')], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const vsix = /packed: (\S+\.vsix)$/m.exec(packed)?.[1];
    assert.ok(vsix, `npm run package printed no package:\n${packed}`);
    vsixEntries = await readVsix(vsix);
  });

  after(() => closeAllHelpers());

  for (const { suite, glibc } of [{ suite: 'bullseye', glibc: '2.31' }, { suite: 'trixie', glibc: '2.41' }]) {
    describe(`Debian ${suite}`, () => {
      const root = path.join(ROOTFS_DIR, suite);

      before(() => {
        execFileSync('bash', [path.join(REPO, 'test', 'dist', 'make-rootfs.sh'), suite, root], { stdio: 'inherit' });
        // The package's extension/ folder, as VS Code unpacks it, modes kept.
        for (const entry of vsixEntries.filter((e) => e.name.startsWith('extension/'))) {
          const target = path.join(root, INSTALLED, entry.name);
          mkdirSync(path.dirname(target), { recursive: true });
          writeFileSync(target, entry.content);
          if (entry.mode) chmodSync(target, entry.mode & 0o777);
        }
        mkdirSync(path.join(root, DRIVER), { recursive: true });
        copyFileSync(process.execPath, path.join(root, DRIVER, 'node'));
        chmodSync(path.join(root, DRIVER, 'node'), 0o755);
        copyFileSync(path.join(REPO, 'out', 'cli.js'), path.join(root, DRIVER, 'cli.js'));
        execFileSync('clang', [`--sysroot=${SYSROOT}`, '-g', '-O0', '-o', path.join(root, FIXTURE), path.join(REPO, 'test', 'fixtures', 'add-loop.c')]);
      });

      it(`is clean: glibc ${glibc}, no development package, none of the libraries the package links in`, () => {
        assert.equal(/release version (\d+\.\d+)/.exec(inRoot(root, ['/lib/x86_64-linux-gnu/libc.so.6']).stdout)?.[1], glibc);
        const packages = inRoot(root, ['dpkg-query', '-W', '-f', '${Package}\n']).stdout.split('\n');
        assert.deepEqual(packages.filter((name) => /-dev$|^libelf|^libdw|^libjansson|^libbpf/.test(name)), []);
      });

      it('the helper answers initialize there', async () => {
        const helper = new RawHelper({ command: ['bash', IN_ROOT, root], helperPath: HELPER, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
        const reply = await helper.request('initialize', { processId: null, capabilities: {} });
        assert.equal(reply.error, undefined, JSON.stringify(reply.error));
        assert.equal(reply.result.serverInfo.name, 'probe-lens-helper');
        assert.equal(reply.result.probeKinds.uprobe.available, true, JSON.stringify(reply.result.probeKinds.uprobe));
        await helper.close();
      });

      it('the addon indexes a binary there: functions with their source lines and parameters', () => {
        const lines = jsonLines(inRoot(root, [`${DRIVER}/node`, `${DRIVER}/cli.js`, 'symbols', FIXTURE, '--json']));
        assert.deepEqual(lines[0], { ...lines[0], type: 'binary', has_dwarf: true });
        const add = lines.find((line) => line.type === 'function' && line.name === 'add');
        assert.ok(add, `no add() in ${JSON.stringify(lines)}`);
        assert.equal(path.basename(add.file), 'add-loop.c');
        assert.equal(add.line, readFileSync(path.join(REPO, 'test', 'fixtures', 'add-loop.c'), 'utf8').split('\n').findIndex((text) => text.includes('long add(')) + 1);
      });

      it(`probes a process there: ${CALLS} calls of add(), each argument by name and each return value`, () => {
        const target = `${FIXTURE}:add`;
        const lines = jsonLines(inRoot(root, [`${DRIVER}/node`, `${DRIVER}/cli.js`, 'probe', target, '--json', '--', FIXTURE, String(CALLS)]));
        const summary = lines.at(-1);
        assert.equal(summary.type, 'summary');
        const stats = summary.probes.find((probe) => probe.target === target);
        assert.deepEqual([stats.calls, stats.returns, stats.dropped], [CALLS, CALLS, 0]);
        const calls = lines.filter((line) => line.type === 'call');
        assert.deepEqual(calls.map((call) => call.args), Array.from({ length: CALLS }, (_, i) => ({ a: i, b: 1 })));
        assert.deepEqual(lines.filter((line) => line.type === 'return').map((ret) => ret.ret), Array.from({ length: CALLS }, (_, i) => i + 1));
        assert.deepEqual(summary.command, { argv: [FIXTURE, String(CALLS)], exit_code: 0, signal: null });
      });
    });
  }
});
