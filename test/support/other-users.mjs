// Real other users for the privilege-boundary tests, set up the way an administrator would:
// two accounts, and a root-owned copy of the helper they may start through `sudo -n`, as the
// CLI does. The sudoers rule carries SETENV (a user may pass variables such as SUDO_UID), the
// setting the attacks on the requester's identity need. Needs root; idempotent.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { HELPER_PATH } from './raw-helper.mjs';

export const INSTALLED_HELPER = '/usr/local/libexec/probe-lens-test/probe-lens-helper';
const SUDOERS_FILE = '/etc/sudoers.d/probe-lens-test';
const NAMES = ['probe-lens-alice', 'probe-lens-bob'];

function account(name) {
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, name]).toString()));
  return { name, uid, gid };
}

function ensureAccount(name) {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  }
  return account(name);
}

/** Creates the accounts, installs the helper as built now, and allows them to sudo it. */
export function setUpOtherUsers() {
  const [alice, bob] = NAMES.map(ensureAccount);
  mkdirSync('/usr/local/libexec/probe-lens-test', { recursive: true, mode: 0o755 });
  execFileSync('install', ['-o', 'root', '-g', 'root', '-m', '755', HELPER_PATH, INSTALLED_HELPER]);
  const rule = `${NAMES.join(', ')} ALL=(root) NOPASSWD:SETENV: ${INSTALLED_HELPER}\n`;
  writeFileSync(`${SUDOERS_FILE}.new`, rule, { mode: 0o440 });
  execFileSync('visudo', ['-cqf', `${SUDOERS_FILE}.new`]);
  execFileSync('mv', [`${SUDOERS_FILE}.new`, SUDOERS_FILE]);
  chmodSync(SUDOERS_FILE, 0o440);
  return { alice, bob };
}

/** RawHelper options that start the helper as `user` would: `sudo -n [VAR=value…] helper`. */
export function throughSudo(user, variables = {}) {
  return {
    command: ['sudo', '-n', ...Object.entries(variables).map(([k, v]) => `${k}=${v}`)],
    helperPath: INSTALLED_HELPER,
    spawnOptions: { uid: user.uid, gid: user.gid, cwd: '/', env: { PATH: '/usr/bin:/bin' } },
  };
}
