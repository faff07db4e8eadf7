import { strict as assert } from 'node:assert';

import * as grpc from '@grpc/grpc-js';

import type { CallAuthentication } from '../../../src/transport/call-authentication';
import { callInterceptor, type CallMethod, type CallObserver } from '../../../src/transport/call-interceptor';
import { trackOpenCalls } from '../../../src/transport/open-call-tracker';

const RECONNECT = '/reconnect.v1.ReconnectService/ReconnectStreamSession';
const WATCH = '/grpc.health.v1.Health/Watch';

/** grpc-js does not export these two from its index; they are what the call interface's methods take. */
type ServerListener = Parameters<grpc.ServerInterceptingCallInterface['start']>[0];
type SentStatus = Parameters<grpc.ServerInterceptingCallInterface['sendStatus']>[0];

/** The call grpc-js hands the interceptor, reduced to what these tests watch: what reaches it, and what it reports. */
class FakeCall implements grpc.ServerInterceptingCallInterface {
  readonly statuses: grpc.status[] = [];
  private listener: ServerListener | undefined;
  private ended = false;

  constructor(private readonly metadata: grpc.Metadata) {}

  start(listener: ServerListener): void {
    this.listener = listener;
    listener.onReceiveMetadata(this.metadata);
  }

  /** The request message and the client's half-close, as grpc-js reads them. */
  receiveRequest(): void {
    this.listener?.onReceiveMessage({ request: 1 });
    this.listener?.onReceiveHalfClose();
  }

  sendMetadata(): void {}
  sendMessage(_message: unknown, callback: () => void): void {
    callback();
  }
  sendStatus(status: SentStatus): void {
    this.statuses.push(status.code);
    // Like grpc-js: the end of every call reaches the listeners as a cancel, on the next tick.
    if (!this.ended) {
      this.ended = true;
      process.nextTick(() => this.listener?.onCancel());
    }
  }
  startRead(): void {}
  getPeer(): string {
    return 'peer';
  }
  getDeadline(): grpc.Deadline {
    return Infinity;
  }
  getHost(): string {
    return 'host';
  }
  getAuthContext() {
    return {};
  }
  getConnectionInfo() {
    return {};
  }
  getMetricsRecorder(): never {
    throw new Error('not used by the interceptor');
  }
}

/** What the handler behind the interceptor was given. */
function recordingHandler() {
  const events: string[] = [];
  const listener: ServerListener = {
    onReceiveMetadata: (metadata) => void events.push(`metadata ${JSON.stringify(metadata.getMap())}`),
    onReceiveMessage: () => void events.push('message'),
    onReceiveHalfClose: () => void events.push('half-close'),
    onCancel: () => void events.push('cancel'),
  };
  return { events, listener };
}

function setup() {
  const observed: string[] = [];
  const observer: CallObserver = {
    callStarted: (method: CallMethod) => {
      observed.push(`started ${method.path}`);
      return { finished: (code) => void observed.push(`finished ${method.path} ${grpc.status[code]}`) };
    },
  };
  // Lets a call through with its caller's name when it carries a token, and refuses it otherwise.
  const authenticate: CallAuthentication = (_path, metadata) => {
    if (metadata.get('authorization').length === 0) {
      return { code: grpc.status.UNAUTHENTICATED, details: 'no credentials', metadata: new grpc.Metadata() };
    }
    metadata.remove('authorization');
    metadata.set('caller', 'matchmaker');
    return undefined;
  };
  const openCalls = trackOpenCalls(WATCH);
  const interceptor = callInterceptor({ observer, authenticate, openCalls });
  const open = (path: string, token: string | undefined) => {
    const metadata = new grpc.Metadata();
    if (token !== undefined) metadata.set('authorization', token);
    const inner = new FakeCall(metadata);
    const method = { path, requestStream: false, responseStream: path === WATCH, requestDeserialize: (bytes: Buffer) => bytes, responseSerialize: (value: Buffer) => value };
    const call = interceptor(method, inner);
    const handler = recordingHandler();
    call.start(handler.listener);
    return { inner, call, handler };
  };
  return { observed, openCalls, open };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('callInterceptor', () => {
  it('passes an authenticated call on to its handler, and observes it from start to status', async () => {
    const { observed, open } = setup();
    const { inner, call, handler } = open(RECONNECT, 'Bearer t');
    inner.receiveRequest();
    call.sendStatus({ code: grpc.status.OK, details: 'OK' });
    await tick();
    assert.deepEqual(handler.events, ['metadata {"caller":"matchmaker"}', 'message', 'half-close', 'cancel']);
    assert.deepEqual(inner.statuses, [grpc.status.OK]);
    assert.deepEqual(observed, [`started ${RECONNECT}`, `finished ${RECONNECT} OK`]);
  });

  it('answers a refused call itself: its handler sees neither metadata nor messages, and the refusal is observed', async () => {
    const { observed, open } = setup();
    const { inner, handler } = open(RECONNECT, undefined);
    inner.receiveRequest();
    await tick();
    assert.deepEqual(handler.events, ['cancel']);
    assert.deepEqual(inner.statuses, [grpc.status.UNAUTHENTICATED]);
    assert.deepEqual(observed, [`started ${RECONNECT}`, `finished ${RECONNECT} UNAUTHENTICATED`]);
  });

  it('ends the open calls of the tracked method on demand, and only those still open', async () => {
    const { observed, openCalls, open } = setup();
    const answered = open(WATCH, 'Bearer t');
    const cancelled = open(WATCH, 'Bearer t');
    const watching = open(WATCH, 'Bearer t');
    const other = open(RECONNECT, 'Bearer t');
    cancelled.inner.sendStatus({ code: grpc.status.CANCELLED, details: 'the client went away' });
    await tick();
    // Ended right after its status, before grpc-js's cancel for it arrives.
    answered.call.sendStatus({ code: grpc.status.OK, details: 'OK' });
    openCalls.endAll(grpc.status.UNAVAILABLE, 'shutting down');
    await tick();
    openCalls.endAll(grpc.status.UNAVAILABLE, 'shutting down');
    assert.deepEqual(answered.inner.statuses, [grpc.status.OK]);
    assert.deepEqual(cancelled.inner.statuses, [grpc.status.CANCELLED]);
    assert.deepEqual(watching.inner.statuses, [grpc.status.UNAVAILABLE]);
    assert.deepEqual(other.inner.statuses, []);
    assert.deepEqual(
      observed.filter((line) => line.startsWith('finished')),
      [`finished ${WATCH} OK`, `finished ${WATCH} UNAVAILABLE`],
    );
  });
});
