// Type-level test, checked by `tsc --noEmit`: both ways of talking to the helper satisfy the
// core's HelperConnection, so HelperClient works unchanged in the CLI and in the extension.

import type { LanguageClient } from 'vscode-languageclient/node';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { HelperConnection } from '../../extension/core/helper-connection';

export type MessageConnectionIsHelperConnection = MessageConnection extends HelperConnection ? true : never;
export type LanguageClientIsHelperConnection = LanguageClient extends HelperConnection ? true : never;

export const bothSatisfyHelperConnection: [MessageConnectionIsHelperConnection, LanguageClientIsHelperConnection] = [true, true];
