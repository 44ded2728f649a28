// Error codes to exit statuses (DESIGN.md §5) and JSON-RPC errors to HelperErrors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCodeForError, ProbeLensError } from '../../out/test-core/errors.mjs';
import { HelperClient, HelperError, toHelperError } from '../../out/test-core/helper-connection.mjs';

describe('exitCodeForError', () => {
  it('is 2 for bad usage or a bad target', () => {
    for (const code of ['usage', 'not-supported', 'command-not-found', 'bad-params', 'binary-not-found', 'not-a-file', 'not-elf', 'stripped', 'symbol-not-found', 'no-such-process']) {
      assert.equal(exitCodeForError(code), 2, code);
    }
  });

  it('is 3 for missing privilege or kernel feature', () => {
    for (const code of ['no-privilege', 'feature-unavailable', 'permission-denied']) assert.equal(exitCodeForError(code), 3, code);
  });

  it('is 1 for anything else', () => {
    for (const code of ['helper-failed', 'helper-not-found', 'attach-failed', 'limit-reached', 'parse-error', 'probe-not-found', 'not-initialized']) {
      assert.equal(exitCodeForError(code), 1, code);
    }
  });
});

describe('toHelperError', () => {
  it('takes the name from data.code', () => {
    const error = toHelperError({ code: -32014, message: "no function 'nope' in /tmp/app", data: { code: 'symbol-not-found' } });
    assert.ok(error instanceof HelperError && error instanceof ProbeLensError);
    assert.equal(error.code, 'symbol-not-found');
    assert.equal(error.message, "no function 'nope' in /tmp/app");
  });

  it('falls back to the numeric code when data is missing', () => {
    assert.equal(toHelperError({ code: -32602, message: 'x' }).code, 'bad-params');
  });

  it('calls unknown numbers and broken connections helper-failed', () => {
    assert.equal(toHelperError({ code: 12345, message: 'odd' }).code, 'helper-failed');
    const closed = toHelperError(new Error('Connection is closed.'));
    assert.equal(closed.code, 'helper-failed');
    assert.match(closed.message, /Connection is closed/);
  });
});

/** A HelperConnection that records what was sent and answers from a table. */
function fakeConnection(answers) {
  const sent = [];
  const handlers = new Map();
  return {
    sent,
    handlers,
    sendRequest(method, ...params) {
      sent.push({ method, params });
      const answer = answers[method];
      return answer instanceof Error || (answer && answer.reject) ? Promise.reject(answer.reject ?? answer) : Promise.resolve(answer);
    },
    sendNotification(method, ...params) {
      sent.push({ method, params });
      return Promise.resolve();
    },
    onNotification(method, handler) {
      handlers.set(method, handler);
      return { dispose: () => handlers.delete(method) };
    },
  };
}

describe('HelperClient', () => {
  it('runs the LSP handshake and sends no params for list and shutdown', async () => {
    const connection = fakeConnection({ initialize: { protocolVersion: 1 }, 'probe/list': { probes: [] }, shutdown: null });
    const client = new HelperClient(connection);
    assert.deepEqual(await client.initialize({ processId: 1 }), { protocolVersion: 1 });
    assert.deepEqual(await client.list(), { probes: [] });
    await client.shutdown();
    assert.deepEqual(connection.sent, [
      { method: 'initialize', params: [{ processId: 1 }] },
      { method: 'initialized', params: [{}] },
      { method: 'probe/list', params: [] },
      { method: 'shutdown', params: [] },
      { method: 'exit', params: [] },
    ]);
  });

  it('turns a refused attach into a HelperError', async () => {
    const client = new HelperClient(fakeConnection({ 'probe/attach': { reject: { code: -32012, message: '/etc/passwd is not an ELF file', data: { code: 'not-elf' } } } }));
    await assert.rejects(client.attach({ binary: '/etc/passwd', symbol: 'x' }), (error) => error instanceof HelperError && error.code === 'not-elf');
  });

  it('delivers notifications to their handlers until disposed', () => {
    const connection = fakeConnection({});
    const client = new HelperClient(connection);
    const seen = [];
    const subscription = client.onEvents((notification) => seen.push(notification));
    connection.handlers.get('probe/events')({ events: [] });
    subscription.dispose();
    assert.equal(connection.handlers.has('probe/events'), false);
    assert.deepEqual(seen, [{ events: [] }]);
  });
});
