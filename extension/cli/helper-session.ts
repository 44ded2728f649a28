// Opens the helper for a CLI command and checks that it speaks our protocol version.

import * as path from 'node:path';
import { version } from '../../package.json';
import { ProbeLensError } from '../core/errors';
import { startHelperSession, type HelperSession } from '../core/helper-process';
import { PROTOCOL_VERSION } from '../core/protocol';

export const CLI_VERSION: string = version;

/** The bundle is out/cli.js, so the package root is one level up. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..');

export async function openHelperSession(verbose: boolean): Promise<HelperSession> {
  const session = await startHelperSession({ packageRoot: PACKAGE_ROOT, clientName: 'probe-lens-cli', clientVersion: CLI_VERSION, verbose });
  const helperVersion = session.initializeResult.protocolVersion;
  if (helperVersion !== PROTOCOL_VERSION) {
    await session.close();
    throw new ProbeLensError(
      'helper-failed',
      `the helper at ${session.helperPath} speaks protocol ${helperVersion}, this CLI speaks ${PROTOCOL_VERSION}: rebuild both (npm run build)`,
    );
  }
  return session;
}
