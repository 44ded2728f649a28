// The one typed seam between Probe Lens and its privileged helper. `HelperConnection` is the
// little that both a vscode-jsonrpc `MessageConnection` (the CLI) and vscode-languageclient's
// `LanguageClient` (the extension) offer, typed with protocol.ts; `HelperClient` turns it into
// plain async methods and turns JSON-RPC errors into `HelperError`s with a stable code.

import { ProbeLensError, type ErrorCode } from './errors';
import {
  ERROR_NUMBERS,
  Methods,
  type AttachFunctionsParams,
  type AttachFunctionsResult,
  type AttachParams,
  type AttachResult,
  type CaptureSpec,
  type DetachManyParams,
  type DetachManyResult,
  type DetachParams,
  type DetachResult,
  type EndedNotification,
  type EntryCostsResult,
  type EventsNotification,
  type HelperErrorCode,
  type InitializeParams,
  type InitializeResult,
  type KernelCatalogParams,
  type KernelCatalogResult,
  type ListResult,
  type StatsNotification,
  type StartParams,
  type SubscribeParams,
  type SubscribeResult,
  type UnsubscribeParams,
} from './protocol';

export interface Disposable {
  dispose(): void;
}

/** Requests that carry params, with their params and result types. */
export interface HelperRequestsWithParams {
  [Methods.initialize]: { params: InitializeParams; result: InitializeResult };
  [Methods.attach]: { params: AttachParams; result: AttachResult };
  [Methods.attachFunctions]: { params: AttachFunctionsParams; result: AttachFunctionsResult };
  [Methods.detach]: { params: DetachParams; result: DetachResult };
  [Methods.detachMany]: { params: DetachManyParams; result: DetachManyResult };
  [Methods.kernelCatalog]: { params: KernelCatalogParams; result: KernelCatalogResult };
  [Methods.start]: { params: StartParams; result: StartParams };
  [Methods.stop]: { params: StartParams; result: StartParams };
  [Methods.subscribe]: { params: SubscribeParams; result: SubscribeResult };
  [Methods.unsubscribe]: { params: UnsubscribeParams; result: SubscribeResult };
}

/**
 * Requests sent without a `params` member. They must be sent with no second argument at all:
 * vscode-jsonrpc turns an explicit `undefined` into `params: [null]`.
 */
export interface HelperRequestsWithoutParams {
  [Methods.list]: { result: ListResult };
  [Methods.entryCosts]: { result: EntryCostsResult };
  [Methods.shutdown]: { result: null };
}

/** Notifications from the helper to the client. */
export interface HelperNotifications {
  [Methods.events]: EventsNotification;
  [Methods.stats]: StatsNotification;
  [Methods.ended]: EndedNotification;
}

/** Notifications from the client to the helper (LSP lifecycle). */
export interface ClientNotifications {
  [Methods.initialized]: Record<string, never>;
  [Methods.exit]: undefined;
}

export interface HelperConnection {
  sendRequest<M extends keyof HelperRequestsWithParams>(
    method: M,
    params: HelperRequestsWithParams[M]['params'],
  ): Promise<HelperRequestsWithParams[M]['result']>;
  sendRequest<M extends keyof HelperRequestsWithoutParams>(
    method: M,
  ): Promise<HelperRequestsWithoutParams[M]['result']>;
  sendNotification<M extends keyof ClientNotifications>(
    method: M,
    params?: ClientNotifications[M],
  ): Promise<void>;
  onNotification<M extends keyof HelperNotifications>(
    method: M,
    handler: (params: HelperNotifications[M]) => void,
  ): Disposable;
}

/** A failure the helper reported (or the helper's going away), with a stable code. */
export class HelperError extends ProbeLensError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'HelperError';
  }
}

const CODE_BY_NUMBER = new Map<number, HelperErrorCode>(
  Object.entries(ERROR_NUMBERS).map(([name, number]) => [number, name as HelperErrorCode]),
);

function isHelperErrorCode(value: unknown): value is HelperErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_NUMBERS, value);
}

/**
 * Reads a JSON-RPC error structurally (numeric `code`, `message`, `data.code`) rather than with
 * `instanceof ResponseError`, because the CLI and the extension may hold different copies of
 * vscode-jsonrpc. Anything else — the connection closing, the stream breaking — means the
 * helper is gone.
 */
export function toHelperError(error: unknown): HelperError {
  if (error instanceof HelperError) return error;
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
    const message = 'message' in error && typeof error.message === 'string' ? error.message : 'the helper refused the request';
    const data: unknown = 'data' in error ? error.data : undefined;
    const named = typeof data === 'object' && data !== null && 'code' in data ? data.code : undefined;
    const code = isHelperErrorCode(named) ? named : CODE_BY_NUMBER.get(error.code);
    if (code !== undefined) return new HelperError(code, message);
    return new HelperError('helper-failed', `the helper answered with an unknown error ${error.code}: ${message}`);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new HelperError('helper-failed', `lost the connection to the helper: ${reason}`);
}

export class HelperClient {
  constructor(private readonly connection: HelperConnection) {}

  /**
   * The LSP handshake. The CLI calls this; the extension does not, since `LanguageClient` runs
   * the handshake itself and keeps the result in `initializeResult`.
   */
  async initialize(params: InitializeParams): Promise<InitializeResult> {
    const result = await this.call(() => this.connection.sendRequest(Methods.initialize, params));
    await this.call(() => this.connection.sendNotification(Methods.initialized, {}));
    return result;
  }

  attach(params: AttachParams): Promise<AttachResult> {
    return this.call(() => this.connection.sendRequest(Methods.attach, params));
  }

  /** A probe per function of one binary, attached together; the failed ones listed with why. */
  attachFunctions(params: AttachFunctionsParams): Promise<AttachFunctionsResult> {
    return this.call(() => this.connection.sendRequest(Methods.attachFunctions, params));
  }


  /** Resolves with the probe's final exact counters, once all of its events were delivered. */
  detach(probe: number): Promise<DetachResult> {
    return this.call(() => this.connection.sendRequest(Methods.detach, { probe }));
  }

  /** detach for each, as one request: they stop together; their final counters, in order. */
  async detachMany(probes: number[]): Promise<DetachResult[]> {
    return (await this.call(() => this.connection.sendRequest(Methods.detachMany, { probes }))).probes;
  }

  /** Probes attached with `start: false` count from now on, together. */
  start(probes: number[]): Promise<StartParams> {
    return this.call(() => this.connection.sendRequest(Methods.start, { probes }));
  }

  /** The probes stop counting now, together; detach then gives each its final counters. */
  stop(probes: number[]): Promise<StartParams> {
    return this.call(() => this.connection.sendRequest(Methods.stop, { probes }));
  }

  /** Records of `probe` from now on: every one, or about `maxRecordsPerSecond` calls a second. */
  subscribe(params: SubscribeParams): Promise<SubscribeResult> {
    return this.call(() => this.connection.sendRequest(Methods.subscribe, params));
  }

  /** Measures what a uprobe hit costs here per kind of first instruction (~0.6 s). */
  entryCosts(): Promise<EntryCostsResult> {
    return this.call(() => this.connection.sendRequest(Methods.entryCosts));
  }

  list(): Promise<ListResult> {
    return this.call(() => this.connection.sendRequest(Methods.list));
  }

  /** Kernel functions, syscalls and tracepoints whose names contain `filter`. */
  kernelCatalog(params: KernelCatalogParams): Promise<KernelCatalogResult> {
    return this.call(() => this.connection.sendRequest(Methods.kernelCatalog, params));
  }

  onEvents(handler: (notification: EventsNotification) => void): Disposable {
    return this.connection.onNotification(Methods.events, handler);
  }

  onStats(handler: (notification: StatsNotification) => void): Disposable {
    return this.connection.onNotification(Methods.stats, handler);
  }

  onEnded(handler: (notification: EndedNotification) => void): Disposable {
    return this.connection.onNotification(Methods.ended, handler);
  }

  /** LSP shutdown then exit: the helper detaches whatever is left and ends. */
  async shutdown(): Promise<void> {
    await this.call(() => this.connection.sendRequest(Methods.shutdown));
    await this.call(() => this.connection.sendNotification(Methods.exit));
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toHelperError(error);
    }
  }
}

/**
 * probe/attach requests of one binary as one probe/attachFunctions: the binary, retprobe,
 * filter, rate and start are the first request's (the caller groups by them). Each request's
 * result, or why it failed, in order.
 */
export async function attachTogether(client: Pick<HelperClient, 'attachFunctions'>, requests: readonly AttachParams[]): Promise<{ links: AttachFunctionsResult['links']; outcomes: ({ result: AttachResult } | { failure: string })[] }> {
  const { binary, retprobe, filter, maxRecordsPerSecond, start } = requests[0] ?? {};
  const answer = await client.attachFunctions({
    binary: binary as string,
    ...(retprobe === undefined ? {} : { retprobe }),
    ...(filter === undefined ? {} : { filter }),
    ...(maxRecordsPerSecond === undefined ? {} : { maxRecordsPerSecond }),
    ...(start === undefined ? {} : { start }),
    functions: requests.map((request) => ({
      ...(request.symbol === undefined ? { offset: request.offset as number } : { symbol: request.symbol }),
      ...(request.capture === undefined ? {} : { capture: request.capture as CaptureSpec }),
      ...(request.condition === undefined ? {} : { condition: request.condition }),
      ...(request.valuesOf === undefined ? {} : { valuesOf: request.valuesOf }),
      ...(request.stacks === undefined ? {} : { stacks: request.stacks }),
    })),
  });
  const failed = new Map(answer.failed.map((failure) => [failure.index, failure.message]));
  let next = 0;
  const outcomes = requests.map((_, index) => {
    const failure = failed.get(index);
    return failure === undefined ? { result: answer.probes[next++] as AttachResult } : { failure };
  });
  return { links: answer.links, outcomes };
}
