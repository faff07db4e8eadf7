import { strict as assert } from 'node:assert';

import * as grpc from '@grpc/grpc-js';
import * as TE from 'fp-ts/TaskEither';

import { WatchStreams } from '../../src/domain/watch';
import type { FeedListener, SessionChange, StreamGroupFeeds, WatchedSession } from '../../src/domain/watch-feed';
import { ReconnectServiceClient, WatchEventType } from '../../src/gen/reconnect/v1/reconnect';
import { ANONYMOUS_LOOPBACK_CALLER } from '../../src/security/authentication';
import { bindServer, createGrpcServer } from '../../src/transport/grpc-server';
import { accessLogInterceptor, authenticationInterceptor } from '../../src/transport/interceptors';
import { reconnectServiceImplementation } from '../../src/transport/reconnect-service';
import type { WatchEventName } from '../../src/transport/watch-stream';
import { CapturedLogs } from '../support/captured-logs';
import { ConditionWaiters } from '../support/condition-waiters';
import { testServiceConfig } from '../support/service-config';
import { WatchRecorder } from '../support/watch-recorder';

const BUFFER = 100;
const GROUP_ID = 'sg-1AB2C3De4';

const pending = (index: number): WatchedSession => ({
  arn: `arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/${GROUP_ID}/S${index}`,
  status: 'PENDING_CLIENT_RECONNECTION',
  statusReason: undefined,
  lastUpdatedAt: new Date('2026-12-03T06:00:00Z'),
  windowEndsAt: new Date('2026-12-03T06:02:00Z'),
});
const dropped = (index: number): SessionChange => ({ _tag: 'Disconnected', session: pending(index) });

/** Feeds the test speaks for: it says what every subscriber hears, and sees who is subscribed. */
class ScriptedFeeds implements StreamGroupFeeds {
  readonly listeners = new Set<FeedListener>();
  readonly waiters = new ConditionWaiters();

  subscribe(_group: unknown, listener: FeedListener): () => void {
    this.listeners.add(listener);
    this.waiters.changed();
    return () => {
      this.listeners.delete(listener);
      this.waiters.changed();
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  tell(action: (listener: FeedListener) => void): void {
    for (const listener of [...this.listeners]) action(listener);
  }
}

/**
 * The stream adapter as the service composes it, over feeds the test scripts: what a slow client, a defect and a
 * cancel do to one stream, which the emulator cannot make happen on demand.
 */
describe('the WatchStreamSessions stream adapter', function () {
  this.timeout(20_000);
  const logs = new CapturedLogs();
  const feeds = new ScriptedFeeds();
  let failOn: WatchEventName | undefined;
  let server: grpc.Server | undefined;
  let client: ReconnectServiceClient | undefined;
  const opened: WatchRecorder[] = [];

  before(async () => {
    const config = testServiceConfig();
    const unused = () => TE.left({ _tag: 'Cancelled' } as const);
    const watches = new WatchStreams({
      policy: { defaultRegion: 'us-west-2', servedRegions: new Set(['us-west-2']) },
      feeds,
      maxStreamsPerCaller: 100,
    });
    server = createGrpcServer(
      reconnectServiceImplementation(
        { reconnect: unused, getStreamSession: unused, watches },
        { logger: logs.logger, deadlineBudgetMs: config.deadlineBudgetMs, currentTraceId: () => undefined },
        {
          logger: logs.logger,
          currentTraceId: () => 'trace-1',
          bufferMessages: BUFFER,
          observer: {
            eventSent: (event) => {
              if (event === failOn) throw new RangeError('a defect the test put in the observer');
            },
          },
        },
      ),
      {
        maxMessageBytes: 65_536,
        tuning: config.grpcServer,
        interceptors: [
          accessLogInterceptor({ logger: logs.logger, quietMethods: new Set() }),
          authenticationInterceptor({
            policy: { directory: () => undefined, clientCertificates: false, anonymous: ANONYMOUS_LOOPBACK_CALLER },
            exemptMethods: new Set(),
          }),
        ],
      },
    );
    const bound = await bindServer(server, '127.0.0.1', 0, grpc.ServerCredentials.createInsecure())();
    assert.ok(bound._tag === 'Right');
    client = new ReconnectServiceClient(`127.0.0.1:${bound.right}`, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    failOn = undefined;
    for (const recorder of opened.splice(0)) recorder.cancel();
    await feeds.waiters.until(() => feeds.listeners.size === 0);
  });

  after(() => {
    client?.close();
    server?.forceShutdown();
  });

  async function subscribed(): Promise<WatchRecorder> {
    const before = feeds.listeners.size;
    const recorder = new WatchRecorder(client ?? assert.fail('no client'), { streamGroupIdentifier: GROUP_ID });
    opened.push(recorder);
    await feeds.waiters.until(() => feeds.listeners.size > before);
    return recorder;
  }

  it('sends a snapshot larger than the buffer whole, and changes a client keeps up with', async () => {
    const recorder = await subscribed();
    feeds.tell((listener) => listener.snapshot(Array.from({ length: BUFFER * 3 }, (_, index) => pending(index))));
    assert.equal((await recorder.snapshot()).length, BUFFER * 3);
    feeds.tell((listener) => {
      for (let index = 0; index < BUFFER / 2; index += 1) listener.change(dropped(index));
    });
    await recorder.event(WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED, pending(BUFFER / 2 - 1).arn);
    assert.equal(recorder.ofType(WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED).length, BUFFER / 2);
  });

  it('ends a stream that falls more than the buffer behind RESOURCE_EXHAUSTED, and unsubscribes it', async () => {
    const recorder = await subscribed();
    feeds.tell((listener) => listener.snapshot([]));
    await recorder.snapshot();
    // More changes at once than grpc-js and the buffer together hold: the client cannot have read them.
    feeds.tell((listener) => {
      for (let index = 0; index < BUFFER * 10; index += 1) listener.change(dropped(index));
    });
    const end = await recorder.end();
    assert.equal(end.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(end.details.errorInfo?.reason, 'WATCH_FELL_BEHIND');
    assert.equal(end.details.quotaFailure?.violations[0]?.quotaValue, BUFFER);
    assert.ok(recorder.ofType(WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED).length < BUFFER * 10);
    await feeds.waiters.until(() => feeds.listeners.size === 0);
    const line = logs.entries().find((entry) => entry['reason'] === 'WATCH_FELL_BEHIND');
    assert.equal(line?.['method'], '/reconnect.v1.ReconnectService/WatchStreamSessions');
    assert.equal(line?.['caller'], ANONYMOUS_LOOPBACK_CALLER.name);
    assert.equal(line?.['traceId'], 'trace-1');
    assert.equal(typeof line?.['eventsSent'], 'number');
  });

  it('answers a defect INTERNAL with the generic message, once, and unsubscribes', async () => {
    const recorder = await subscribed();
    failOn = 'snapshot_complete';
    feeds.tell((listener) => listener.snapshot([]));
    const end = await recorder.end();
    assert.equal(end.code, grpc.status.INTERNAL);
    assert.equal(end.details.errorInfo?.reason, 'INTERNAL_ERROR');
    assert.match(logs.text(), /a defect the test put in the observer/);
    await feeds.waiters.until(() => feeds.listeners.size === 0);
  });

  it('unsubscribes a stream its client cancels, and logs one CANCELLED line for it', async () => {
    const recorder = await subscribed();
    feeds.tell((listener) => listener.snapshot([pending(1)]));
    await recorder.snapshot();
    const cancelledBefore = logs.entries().filter((entry) => entry['codeName'] === 'CANCELLED').length;
    recorder.cancel();
    await feeds.waiters.until(() => feeds.listeners.size === 0);
    const cancelled = logs.entries().filter((entry) => entry['codeName'] === 'CANCELLED');
    assert.equal(cancelled.length - cancelledBefore, 1);
    assert.equal(cancelled.at(-1)?.['eventsSent'], 2);
  });

  it('unsubscribes a stream whose deadline passes, and logs one DEADLINE_EXCEEDED line for it', async () => {
    const before = feeds.listeners.size;
    const recorder = new WatchRecorder(
      client ?? assert.fail('no client'),
      { streamGroupIdentifier: GROUP_ID },
      new grpc.Metadata(),
      { deadline: Date.now() + 300 },
    );
    opened.push(recorder);
    await feeds.waiters.until(() => feeds.listeners.size > before);
    assert.equal((await recorder.end()).code, grpc.status.DEADLINE_EXCEEDED);
    await feeds.waiters.until(() => feeds.listeners.size === 0);
    const lines = logs.entries().filter((entry) => entry['codeName'] === 'DEADLINE_EXCEEDED');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.['method'], '/reconnect.v1.ReconnectService/WatchStreamSessions');
  });

  it('ends a stream whose feed ends with the feed’s status', async () => {
    const recorder = await subscribed();
    feeds.tell((listener) => listener.snapshot([]));
    await recorder.snapshot();
    feeds.tell((listener) => listener.end({ _tag: 'PollsFailing', detail: '10 polls in a row failed' }));
    const end = await recorder.end();
    assert.equal(end.code, grpc.status.UNAVAILABLE);
    assert.equal(end.details.errorInfo?.reason, 'WATCH_POLLS_FAILING');
    assert.ok(end.details.retryInfo !== undefined);
  });
});
