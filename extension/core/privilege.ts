// How the extension starts the privileged helper, decided from facts gathered about this
// machine (the probeLens.privilege setting, root, file capabilities, a password-less `sudo -n`,
// pkexec with a polkit agent to ask). `auto` is honest: it picks the first way that can work
// without a prompt the extension host cannot show, and says why; when none can, the helper runs
// unprivileged and reports what it cannot do, with the fixes in `privilegeFixes`.

export type PrivilegeSetting = 'auto' | 'direct' | 'pkexec' | 'sudo';

export interface PrivilegeFacts {
  isRoot: boolean;
  /** `getcap` shows cap_bpf and cap_perfmon on the helper file. */
  helperHasCapabilities: boolean;
  /** `sudo -n true` succeeded: sudo will not ask for a password. */
  sudoWithoutPassword: boolean;
  /** Absolute path of pkexec, when installed. */
  pkexecPath: string | undefined;
  /** A graphical session whose polkit agent can ask for the password (DISPLAY / WAYLAND_DISPLAY). */
  graphicalSession: boolean;
}

export interface LaunchPlan {
  via: 'direct' | 'pkexec' | 'sudo';
  command: string;
  args: string[];
  /** Why this way, in words for the log and Check System. */
  why: string;
}

export const POLKIT_ACTION_ID = 'io.github.probe-lens.helper';

export function planHelperLaunch(setting: PrivilegeSetting, helperPath: string, facts: PrivilegeFacts): LaunchPlan {
  const direct = (why: string): LaunchPlan => ({ via: 'direct', command: helperPath, args: [], why });
  const sudo = (why: string): LaunchPlan => ({ via: 'sudo', command: 'sudo', args: ['-n', '--', helperPath], why });
  const pkexec = (why: string): LaunchPlan => ({ via: 'pkexec', command: facts.pkexecPath ?? 'pkexec', args: [helperPath], why });
  switch (setting) {
    case 'direct':
      return direct('probeLens.privilege is "direct"');
    case 'sudo':
      return sudo('probeLens.privilege is "sudo"');
    case 'pkexec':
      return pkexec('probeLens.privilege is "pkexec"');
    case 'auto':
      if (facts.isRoot) return direct('the extension host runs as root');
      if (facts.helperHasCapabilities) return direct('the helper file has cap_bpf and cap_perfmon');
      if (facts.sudoWithoutPassword) return sudo('sudo -n works without a password');
      if (facts.pkexecPath !== undefined && facts.graphicalSession) return pkexec('pkexec can ask for the password in this graphical session');
      return direct('no way to gain privilege was found (not root, no file capabilities, no password-less sudo, no pkexec with a graphical session)');
  }
}

/**
 * Where an administrator installs the helper that sudo or pkexec may run as root: a root-owned
 * file in a root-owned directory. A rule naming the copy inside the user's extensions folder
 * would let that user replace it and run anything as root.
 */
export const INSTALLED_HELPER_PATH = '/usr/local/libexec/probe-lens/probe-lens-helper';

/** What to do when the helper is not permitted to load BPF, as steps a user can follow. */
export function privilegeFixes(helperPath: string, policyPath: string | undefined): string[] {
  const install = `sudo install -D -o root -g root -m 755 ${helperPath} ${INSTALLED_HELPER_PATH}`;
  const fixes = [
    `Give the helper file capabilities once: sudo setcap cap_bpf,cap_perfmon+ep ${helperPath}`,
    `Or install a root-owned copy (${install}), allow password-less sudo for that copy only (sudoers: YOUR_USER ALL=(root) NOPASSWD: ${INSTALLED_HELPER_PATH}), and set probeLens.helperPath to it and probeLens.privilege to "sudo"`,
  ];
  if (policyPath !== undefined) {
    fixes.push(
      `Or, on a desktop, install that root-owned copy and the polkit policy for it (sed 's#@HELPER_PATH@#${INSTALLED_HELPER_PATH}#' ${policyPath} | sudo tee /usr/share/polkit-1/actions/${POLKIT_ACTION_ID}.policy), and set probeLens.helperPath to it and probeLens.privilege to "pkexec"`,
    );
  }
  return fixes;
}

/** True when `getcap` output for the helper lists both capabilities it needs. */
export function getcapShowsBpf(output: string): boolean {
  return /cap_bpf/.test(output) && /cap_perfmon/.test(output);
}
