import { strict as assert } from 'node:assert';

import { GetStreamSessionCommand, TerminateStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import * as grpc from '@grpc/grpc-js';

import { bearerMetadata } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { DEMO_STREAM_GROUP_ID } from '../../src/emulator/demo';
import { ReconnectServiceClient, StreamSessionStatus, WatchEventType } from '../../src/gen/reconnect/v1/reconnect';
import { randomToken, useCallersFile } from '../support/callers-fixture';
import { disconnectedDemoSession } from '../support/disconnected-sessions';
import { metricValue, scrape } from '../support/metrics-scrape';
import { testServiceConfig } from '../support/service-config';
import { ACCOUNT_ID, REGION, disconnectedSession, useHarness, type Harness } from '../support/service-harness';
import { ServiceProcess } from '../support/service-process';
import { expectRight } from '../support/task-either';
import { WatchRecorder } from '../support/watch-recorder';

const OFFER = '{"type":"offer","sdp":"v=0 watch-e2e-offer"}';
const OTHER_GROUP_ID = 'sg-watchOther1';
const STREAM_LIMIT = 3;
const FAILED_POLLS_LIMIT = 3;

/** Short polls, so that a change arrives within a test's patience; the limits are otherwise production's. */
const WATCH = {
  ...testServiceConfig().watch,
  pollIntervalMs: 100,
  maxStreamsPerCaller: STREAM_LIMIT,
  failedPollsLimit: FAILED_POLLS_LIMIT,
};

/** The ListStreamSessions calls the emulator received for one group so far. */
async function listCallsFor(harness: Harness, groupId: string): Promise<number> {
  const recorded = await expectRight(harness.control.requests('ListStreamSessions'));
  return recorded.requests.filter((request) => request.identifier === groupId).length;
}

let groupCount = 0;
/** A stream group of the test's own, so what another test left in a group never shows up in its snapshot. */
async function freshGroup(harness: Harness): Promise<string> {
  groupCount += 1;
  const id = `sg-watch${groupCount}x${Date.now().toString(36)}`;
  await expectRight(harness.control.createStreamGroup({ id }));
  return id;
}

describe('WatchStreamSessions end to end', function () {
  this.timeout(30_000);
  const tokens = { watcher: randomToken(), elsewhere: randomToken(), crowd: randomToken() };
  const callers = useCallersFile([
    { name: 'watcher', token: tokens.watcher, streamGroups: ['*'] },
    { name: 'elsewhere', token: tokens.elsewhere, streamGroups: [OTHER_GROUP_ID] },
    { name: 'crowd', token: tokens.crowd, streamGroups: ['*'] },
  ]);
  const harness = useHarness(() => ({
    security: {
      tls: undefined,
      callersFile: callers().path,
      allowInsecurePlaintext: false,
      healthRequiresAuthentication: false,
    },
    clientMetadata: bearerMetadata(tokens.watcher),
    watch: WATCH,
  }));
  let client: ReconnectServiceClient | undefined;
  const opened: WatchRecorder[] = [];

  const watch = (
    request: { readonly streamGroupIdentifier: string; readonly statuses?: StreamSessionStatus[] },
    token: string = tokens.watcher,
  ): WatchRecorder => {
    client ??= harness().closeWith(new ReconnectServiceClient(harness().address, grpc.credentials.createInsecure()));
    const recorder = new WatchRecorder(client, request, bearerMetadata(token)());
    opened.push(recorder);
    return recorder;
  };

  afterEach(() => {
    for (const recorder of opened.splice(0)) recorder.cancel();
  });

  it('sends the pending sessions, then SNAPSHOT_COMPLETE, each with its window end', async () => {
    const groupId = await freshGroup(harness());
    const first = await disconnectedSession(harness(), 120, { groupId });
    const second = await disconnectedSession(harness(), 120, { groupId });
    const recorder = watch({ streamGroupIdentifier: groupId });
    const snapshot = await recorder.snapshot();
    assert.deepEqual(
      snapshot.map((message) => message.type),
      [WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_SESSION, WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_SESSION],
    );
    assert.deepEqual(new Set(snapshot.map((message) => message.session?.arn)), new Set([first.arn, second.arn]));
    for (const message of snapshot) {
      const session = message.session ?? assert.fail('a snapshot entry without its session');
      assert.equal(session.status, StreamSessionStatus.STREAM_SESSION_STATUS_PENDING_CLIENT_RECONNECTION);
      assert.equal(session.statusName, 'PENDING_CLIENT_RECONNECTION');
      assert.equal(
        session.reconnectionWindowEndsAt?.getTime(),
        (session.lastUpdatedAt?.getTime() ?? Number.NaN) + 120_000,
      );
    }
    const complete = recorder.ofType(WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_COMPLETE);
    assert.equal(complete.length, 1);
    assert.equal(complete[0]?.session, undefined);
  });

  it('reports a drop as DISCONNECTED, with AWS last update and the window it opens', async () => {
    const groupId = await freshGroup(harness());
    const recorder = watch({ streamGroupIdentifier: groupId });
    assert.deepEqual(await recorder.snapshot(), []);
    const session = await disconnectedSession(harness(), 120, { groupId });
    const event = await recorder.event(WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED, session.arn);
    const truth = await harness().aws.send(
      new GetStreamSessionCommand({ Identifier: groupId, StreamSessionIdentifier: session.id }),
    );
    assert.equal(event.session?.lastUpdatedAt?.getTime(), truth.LastUpdatedAt?.getTime());
    assert.equal(event.session?.reconnectionWindowEndsAt?.getTime(), (truth.LastUpdatedAt?.getTime() ?? 0) + 120_000);
  });

  it('reports a reconnect through ReconnectStreamSession as RECONNECTED', async () => {
    const groupId = await freshGroup(harness());
    const session = await disconnectedSession(harness(), 120, { groupId });
    const recorder = watch({ streamGroupIdentifier: groupId });
    assert.equal((await recorder.snapshot()).length, 1);
    await expectRight(
      harness().client.reconnectStreamSession({
        streamGroupIdentifier: groupId,
        streamSessionIdentifier: session.id,
        signalRequest: OFFER,
      }),
    );
    const event = await recorder.event(WatchEventType.WATCH_EVENT_TYPE_RECONNECTED, session.arn);
    assert.ok(
      event.session?.statusName === 'ACTIVE' || event.session?.statusName === 'CONNECTED',
      `RECONNECTED with status ${event.session?.statusName ?? 'none'}`,
    );
    assert.equal(event.session?.reconnectionWindowEndsAt, undefined);
  });

  it('reports a terminated session as ENDED, with its status reason', async () => {
    const groupId = await freshGroup(harness());
    const session = await disconnectedSession(harness(), 120, { groupId });
    const recorder = watch({ streamGroupIdentifier: groupId });
    await recorder.snapshot();
    await harness().aws.send(
      new TerminateStreamSessionCommand({ Identifier: groupId, StreamSessionIdentifier: session.id }),
    );
    const event = await recorder.event(WatchEventType.WATCH_EVENT_TYPE_ENDED, session.arn);
    const truth = await harness().aws.send(
      new GetStreamSessionCommand({ Identifier: groupId, StreamSessionIdentifier: session.id }),
    );
    assert.equal(event.session?.status, StreamSessionStatus.STREAM_SESSION_STATUS_TERMINATED);
    assert.equal(event.session?.statusReason, truth.StatusReason);
    assert.ok((event.session?.statusReason ?? '').length > 0);
  });

  it('sends only the statuses asked for: no snapshot entries and no DISCONNECTED without PENDING_CLIENT_RECONNECTION', async () => {
    const groupId = await freshGroup(harness());
    const ending = await disconnectedSession(harness(), 120, { groupId });
    const everything = watch({ streamGroupIdentifier: groupId });
    const endsOnly = watch({
      streamGroupIdentifier: groupId,
      statuses: [StreamSessionStatus.STREAM_SESSION_STATUS_TERMINATED],
    });
    assert.equal((await everything.snapshot()).length, 1);
    assert.deepEqual(await endsOnly.snapshot(), []);
    // Both streams hear the feed's changes in the same order: the drop reaches `endsOnly` before the end would.
    const dropping = await disconnectedSession(harness(), 120, { groupId });
    await everything.event(WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED, dropping.arn);
    await harness().aws.send(
      new TerminateStreamSessionCommand({ Identifier: groupId, StreamSessionIdentifier: ending.id }),
    );
    await endsOnly.event(WatchEventType.WATCH_EVENT_TYPE_ENDED, ending.arn);
    assert.deepEqual(
      endsOnly.messages.map((message) => message.type),
      [WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_COMPLETE, WatchEventType.WATCH_EVENT_TYPE_ENDED],
    );
  });

  it('refuses a caller without a grant for the group PERMISSION_DENIED, polling nothing', async () => {
    const groupId = await freshGroup(harness());
    const end = await watch({ streamGroupIdentifier: groupId }, tokens.elsewhere).end();
    assert.equal(end.code, grpc.status.PERMISSION_DENIED);
    assert.equal(end.details.errorInfo?.reason, 'CALLER_NOT_ALLOWED');
    assert.equal(await listCallsFor(harness(), groupId), 0);
  });

  it('refuses a bad request INVALID_ARGUMENT naming every violation, polling nothing', async () => {
    const groupId = await freshGroup(harness());
    const end = await watch({
      streamGroupIdentifier: groupId,
      statuses: [
        StreamSessionStatus.STREAM_SESSION_STATUS_ACTIVATING,
        StreamSessionStatus.STREAM_SESSION_STATUS_ACTIVE,
        StreamSessionStatus.STREAM_SESSION_STATUS_ACTIVE,
      ],
    }).end();
    assert.equal(end.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(end.details.errorInfo?.reason, 'INVALID_REQUEST');
    assert.deepEqual(
      end.details.badRequest?.fieldViolations.map((violation) => violation.field),
      ['statuses', 'statuses'],
    );
    assert.equal(await listCallsFor(harness(), groupId), 0);
    const badGroup = await watch({ streamGroupIdentifier: '../etc' }).end();
    assert.equal(badGroup.code, grpc.status.INVALID_ARGUMENT);
    assert.deepEqual(
      badGroup.details.badRequest?.fieldViolations.map((violation) => violation.field),
      ['stream_group_identifier'],
    );
  });

  it("watches a group named by its ARN, in the ARN's region", async () => {
    const groupId = await freshGroup(harness());
    const session = await disconnectedSession(harness(), 120, { groupId });
    const recorder = watch({
      streamGroupIdentifier: `arn:aws:gameliftstreams:${REGION}:${ACCOUNT_ID}:streamgroup/${groupId}`,
    });
    assert.deepEqual(
      (await recorder.snapshot()).map((message) => message.session?.arn),
      [session.arn],
    );
  });

  it(`ends the streams of a group whose polls fail ${FAILED_POLLS_LIMIT} times in a row UNAVAILABLE`, async () => {
    const groupId = await freshGroup(harness());
    await expectRight(
      harness().control.injectFault({
        operation: 'ListStreamSessions',
        fault: { kind: 'error', errorName: 'SomethingNewException', httpStatus: 400 },
        probability: 1,
      }),
    );
    const end = await watch({ streamGroupIdentifier: groupId }).end();
    assert.equal(end.code, grpc.status.UNAVAILABLE);
    assert.equal(end.details.errorInfo?.reason, 'WATCH_POLLS_FAILING');
    assert.ok(end.details.retryInfo !== undefined);
    assert.ok((await listCallsFor(harness(), groupId)) >= FAILED_POLLS_LIMIT);
  });

  it("ends the stream PERMISSION_DENIED when AWS refuses the service's credentials for the poll", async () => {
    const groupId = await freshGroup(harness());
    await expectRight(
      harness().control.injectFault({
        operation: 'ListStreamSessions',
        fault: { kind: 'error', errorName: 'AccessDeniedException' },
        probability: 1,
      }),
    );
    const end = await watch({ streamGroupIdentifier: groupId }).end();
    assert.equal(end.code, grpc.status.PERMISSION_DENIED);
    assert.equal(end.details.errorInfo?.reason, 'WATCH_POLL_ACCESS_DENIED');
  });

  it('ends a stream group AWS does not know NOT_FOUND', async () => {
    const end = await watch({ streamGroupIdentifier: 'sg-watchNoSuchGroup' }).end();
    assert.equal(end.code, grpc.status.NOT_FOUND);
    assert.equal(end.details.errorInfo?.reason, 'STREAM_GROUP_NOT_FOUND');
  });

  it(`refuses a caller's stream beyond ${STREAM_LIMIT} RESOURCE_EXHAUSTED, with a QuotaFailure`, async () => {
    const groupId = await freshGroup(harness());
    const open = Array.from({ length: STREAM_LIMIT }, () => watch({ streamGroupIdentifier: groupId }, tokens.crowd));
    await Promise.all(open.map((recorder) => recorder.snapshot()));
    const end = await watch({ streamGroupIdentifier: groupId }, tokens.crowd).end();
    assert.equal(end.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(end.details.errorInfo?.reason, 'TOO_MANY_WATCH_STREAMS');
    assert.equal(end.details.quotaFailure?.violations[0]?.quotaValue, STREAM_LIMIT);
    // Another caller is not held to the crowd's streams.
    await watch({ streamGroupIdentifier: groupId }).snapshot();
  });

  it('stops polling a group when its last subscriber leaves', async () => {
    const groupId = await freshGroup(harness());
    const recorder = watch({ streamGroupIdentifier: groupId });
    await recorder.snapshot();
    const text = await scrape(harness().service.metricsPort);
    assert.ok(metricValue(text, 'reconnect_watch_groups', {}) >= 1);
    recorder.cancel();
    // The server hears the cancel asynchronously: poll the metric a bounded number of times.
    let open = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 200 && open > 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      open = metricValue(await scrape(harness().service.metricsPort), 'reconnect_watch_streams_open', {});
    }
    assert.equal(open, 0);
    assert.equal(metricValue(await scrape(harness().service.metricsPort), 'reconnect_watch_groups', {}), 0);
  });
});

describe('WatchStreamSessions: one poll serves every subscriber of a group', function () {
  this.timeout(30_000);
  // Polls a minute apart: the first poll happens at once, and a test this short sees no second one.
  const harness = useHarness({ watch: { ...testServiceConfig().watch, pollIntervalMs: 60_000 } });

  it('a second subscriber gets its snapshot from the first one’s poll, and both are one watched group', async () => {
    const groupId = await freshGroup(harness());
    const session = await disconnectedSession(harness(), 120, { groupId });
    const client = harness().closeWith(
      new ReconnectServiceClient(harness().address, grpc.credentials.createInsecure()),
    );
    const first = new WatchRecorder(client, { streamGroupIdentifier: groupId });
    const second = new WatchRecorder(client, { streamGroupIdentifier: groupId });
    try {
      const [one, two] = await Promise.all([first.snapshot(), second.snapshot()]);
      assert.deepEqual(
        one.map((message) => message.session?.arn),
        [session.arn],
      );
      assert.deepEqual(
        two.map((message) => message.session?.arn),
        [session.arn],
      );
      assert.equal(await listCallsFor(harness(), groupId), 1);
      const text = await scrape(harness().service.metricsPort);
      assert.equal(metricValue(text, 'reconnect_watch_groups', {}), 1);
      assert.equal(metricValue(text, 'reconnect_watch_streams_open', {}), 2);
    } finally {
      first.cancel();
      second.cancel();
    }
  });
});

describe('WatchStreamSessions when the process shuts down (node dist/src/main.js)', function () {
  this.timeout(60_000);
  let service: ServiceProcess | undefined;

  afterEach(() => service?.kill());

  it('ends open streams UNAVAILABLE (SHUTTING_DOWN) at once on SIGTERM, and exits 0', async () => {
    service = await ServiceProcess.start({
      RECONNECT_WATCH_POLL_INTERVAL_MS: '100',
      RECONNECT_RATE_LIST_STREAM_SESSIONS: '1000',
      RECONNECT_SHUTDOWN_GRACE_MS: '30000',
      RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '100',
    });
    const sessionId = await disconnectedDemoSession(service);
    const control = new EmulatorControl(service.emulatorEndpoint);
    await expectRight(control.setRate({ operation: 'ListStreamSessions', ratePerSecond: 1000, burst: 1000 }));
    const client = new ReconnectServiceClient(service.grpcAddress, grpc.credentials.createInsecure());
    try {
      const recorder = new WatchRecorder(client, { streamGroupIdentifier: DEMO_STREAM_GROUP_ID });
      const snapshot = await recorder.snapshot();
      assert.ok(snapshot.some((message) => message.session?.arn.endsWith(`/${sessionId}`)));
      service.signal('SIGTERM');
      const end = await recorder.end();
      assert.equal(end.code, grpc.status.UNAVAILABLE);
      assert.equal(end.details.errorInfo?.reason, 'SHUTTING_DOWN');
      assert.deepEqual(await service.exited(), { code: 0, signal: null });
      // The stream did not hold the stop: every call in flight finished, none had to be cancelled.
      assert.ok(service.messages().includes('shutdown: every call in flight finished'));
    } finally {
      client.close();
    }
  });
});
