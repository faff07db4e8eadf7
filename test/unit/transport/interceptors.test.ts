import { strict as assert } from 'node:assert';

import * as grpc from '@grpc/grpc-js';

import { CallerDirectory } from '../../../src/security/authentication';
import {
  AnnotatedTrailers,
  AuthenticatedMetadata,
  accessLogInterceptor,
  authenticationInterceptor,
  metricsInterceptor,
  openCallTrackingInterceptor,
  type CallMethod,
  type CallObserver,
} from '../../../src/transport/interceptors';
import { createServiceHealth } from '../../../src/transport/serving';
import { CapturedLogs } from '../../support/captured-logs';
import { sha256Hex } from '../../support/callers-fixture';

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

  readonly sentMetadata: grpc.Metadata[] = [];
  sendMetadata(metadata: grpc.Metadata): void {
    this.sentMetadata.push(metadata);
  }
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

/** What the handler behind the interceptors was given. */
function recordingHandler() {
  const events: string[] = [];
  const received: grpc.Metadata[] = [];
  const listener: ServerListener = {
    onReceiveMetadata: (metadata) => {
      received.push(metadata);
      events.push('metadata');
    },
    onReceiveMessage: () => void events.push('message'),
    onReceiveHalfClose: () => void events.push('half-close'),
    onCancel: () => void events.push('cancel'),
  };
  return { events, received, listener };
}

const TOKEN = 'a-token-the-directory-knows';

function setup() {
  const observed: string[] = [];
  const observer: CallObserver = {
    callStarted: (method: CallMethod) => {
      observed.push(`started ${method.path}`);
      return { finished: (code) => void observed.push(`finished ${method.path} ${grpc.status[code]}`) };
    },
  };
  const logs = new CapturedLogs();
  const directory = new CallerDirectory([
    { name: 'matchmaker', streamGroups: [{ _tag: 'AnyStreamGroup' }], tokenSha256: sha256Hex(TOKEN) },
  ]);
  const health = createServiceHealth(['reconnect.v1.ReconnectService']);
  // In the service's order, from the network inwards.
  const interceptors: grpc.ServerInterceptor[] = [
    metricsInterceptor(observer),
    accessLogInterceptor({ logger: logs.logger, quietMethods: new Set() }),
    openCallTrackingInterceptor(health.watches),
    authenticationInterceptor({
      policy: { directory: () => directory, clientCertificates: false, anonymous: undefined },
      exemptMethods: new Set(),
    }),
  ];
  const open = (path: string, token: string | undefined, requestId?: string) => {
    const metadata = new grpc.Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    if (requestId !== undefined) metadata.set('x-request-id', requestId);
    const inner = new FakeCall(metadata);
    const method = {
      path,
      requestStream: false,
      responseStream: path === WATCH,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (value: Buffer) => value,
    };
    const call = interceptors.reduce<grpc.ServerInterceptingCallInterface>(
      (next, interceptor) => interceptor(method, next),
      inner,
    );
    const handler = recordingHandler();
    call.start(handler.listener);
    return { inner, call, handler };
  };
  return { observed, health, logs, open };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the server interceptors', () => {
  it('pass an authenticated call on with its caller, typed and without the token, and observe it from start to status', async () => {
    const { observed, open } = setup();
    const { inner, call, handler } = open(RECONNECT, TOKEN);
    inner.receiveRequest();
    call.sendStatus({ code: grpc.status.OK, details: 'OK' });
    await tick();
    assert.deepEqual(handler.events, ['metadata', 'message', 'half-close', 'cancel']);
    const [metadata] = handler.received;
    assert.ok(metadata instanceof AuthenticatedMetadata);
    assert.equal(metadata.caller.name, 'matchmaker');
    assert.deepEqual(metadata.get('authorization'), []);
    assert.deepEqual(inner.statuses, [grpc.status.OK]);
    assert.deepEqual(observed, [`started ${RECONNECT}`, `finished ${RECONNECT} OK`]);
  });

  it('answer a refused call themselves: its handler sees neither metadata nor messages, and the refusal is observed and logged', async () => {
    const { observed, logs, open } = setup();
    const { inner, handler } = open(RECONNECT, 'a-token-nobody-knows');
    inner.receiveRequest();
    await tick();
    assert.deepEqual(handler.events, ['cancel']);
    assert.deepEqual(inner.statuses, [grpc.status.UNAUTHENTICATED]);
    assert.deepEqual(observed, [`started ${RECONNECT}`, `finished ${RECONNECT} UNAUTHENTICATED`]);
    const [line] = logs.entries();
    assert.equal(logs.entries().length, 1);
    assert.equal(line?.['reason'], 'CALLER_UNAUTHENTICATED');
    assert.equal(line?.['level'], 40);
    assert.ok(!logs.text().includes('a-token-nobody-knows'));
  });

  it('write one access line per call with its request id, which the handler sees too, and the annotations it answered with', async () => {
    const { logs, open } = setup();
    const { inner, call, handler } = open(RECONNECT, TOKEN, 'caller-request-7');
    inner.receiveRequest();
    call.sendStatus({
      code: grpc.status.OK,
      details: 'OK',
      metadata: new AnnotatedTrailers({ caller: 'matchmaker', coalesced: true }),
    });
    await tick();
    assert.deepEqual(handler.received[0]?.get('x-request-id'), ['caller-request-7']);
    assert.deepEqual(
      inner.sentMetadata.map((metadata) => metadata.get('x-request-id')),
      [['caller-request-7']],
    );
    const lines = logs.entries();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.['requestId'], 'caller-request-7');
    assert.equal(lines[0]?.['caller'], 'matchmaker');
    assert.equal(lines[0]?.['coalesced'], true);
    assert.equal(lines[0]?.['codeName'], 'OK');
  });

  it('end the open Watch calls on demand, and only those still open', async () => {
    const { observed, health, open } = setup();
    const answered = open(WATCH, TOKEN);
    const cancelled = open(WATCH, TOKEN);
    const watching = open(WATCH, TOKEN);
    const other = open(RECONNECT, TOKEN);
    cancelled.inner.sendStatus({ code: grpc.status.CANCELLED, details: 'the client went away' });
    await tick();
    // Ended right after its status, before grpc-js's cancel for it arrives.
    answered.call.sendStatus({ code: grpc.status.OK, details: 'OK' });
    health.endWatches();
    await tick();
    health.endWatches();
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
