import { strict as assert } from 'node:assert';

import { GameLiftStreamsClient, StartStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import { status } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { ReconnectClient, type ReconnectCallError } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { DEMO_STREAM_GROUP_ID } from '../../src/emulator/demo';
import type { ReconnectStreamSessionResponse } from '../../src/gen/reconnect/v1/reconnect';
import { ServiceProcess, type LogEntry } from '../support/service-process';
import { expectLeft, expectRight } from '../support/task-either';

const OFFER = '{"type":"offer","sdp":"v=0 shutdown-e2e-offer"}';
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'emulator-does-not-check-signatures' };
/** The statuses a call cancelled by the server's shutdown may end with; anything else is not a clean ending. */
const CLEAN_CANCELLATION = new Set<status>([status.CANCELLED, status.UNAVAILABLE]);

/** Neither our admission limiter nor the emulator's AWS quota may refuse calls: these tests are about shutdown. */
const UNTHROTTLED = { RECONNECT_UPSTREAM_RATE_PER_SECOND: '1000', RECONNECT_UPSTREAM_BURST: '1000' };

type CallResult = E.Either<ReconnectCallError, ReconnectStreamSessionResponse>;

const hasMessage =
  (prefix: string) =>
  (entry: LogEntry): boolean =>
    typeof entry.msg === 'string' && entry.msg.startsWith(prefix);

/** Stream sessions in the embedded emulator's demo group whose clients dropped: each can be reconnected once. */
async function disconnectedSessions(service: ServiceProcess, count: number): Promise<ReadonlyArray<string>> {
  const control = new EmulatorControl(service.emulatorEndpoint);
  const aws = new GameLiftStreamsClient({ region: 'us-west-2', endpoint: service.emulatorEndpoint, credentials: CREDENTIALS });
  try {
    await expectRight(control.setRate({ operation: 'StartStreamSession', ratePerSecond: 1000, burst: 1000 }));
    await expectRight(control.setRate({ operation: 'CreateStreamSessionConnection', ratePerSecond: 1000, burst: 1000 }));
    return await Promise.all(
      Array.from({ length: count }, async () => {
        const started = await aws.send(
          new StartStreamSessionCommand({
            Identifier: DEMO_STREAM_GROUP_ID,
            ApplicationIdentifier: 'a-shutdown1',
            Protocol: 'WebRTC',
            SignalRequest: 'NO_CLIENT_CONNECTION',
          }),
        );
        const id = started.Arn?.split('/').pop() ?? '';
        await expectRight(control.setClient(DEMO_STREAM_GROUP_ID, id, 'connect'));
        await expectRight(control.setClient(DEMO_STREAM_GROUP_ID, id, 'drop'));
        return id;
      }),
    );
  } finally {
    aws.destroy();
  }
}

/** Slows every CreateStreamSessionConnection, so the calls are still in flight when the signal arrives. */
async function slowUpstream(service: ServiceProcess, latencyMs: number): Promise<void> {
  const control = new EmulatorControl(service.emulatorEndpoint);
  await expectRight(
    control.injectFault({ operation: 'CreateStreamSessionConnection', fault: { kind: 'latency', ms: latencyMs }, probability: 1 }),
  );
}

/** Waits (a bounded number of polls) until the emulator has received `count` calls: they are all in flight. */
async function untilInFlight(service: ServiceProcess, count: number): Promise<void> {
  const control = new EmulatorControl(service.emulatorEndpoint);
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const counters = await expectRight(control.counters());
    if (counters.calls.CreateStreamSessionConnection >= count) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`the emulator never received ${count} calls`);
}

function reconnectAll(client: ReconnectClient, sessionIds: ReadonlyArray<string>): Promise<ReadonlyArray<CallResult>> {
  return Promise.all(
    sessionIds.map((sessionId) =>
      client.reconnectStreamSession({
        streamGroupIdentifier: DEMO_STREAM_GROUP_ID,
        streamSessionIdentifier: sessionId,
        signalRequest: OFFER,
      })(),
    ),
  );
}

function describeResults(results: ReadonlyArray<CallResult>): string {
  return JSON.stringify(results.map((result) => (E.isRight(result) ? 'OK' : `${result.left.codeName}: ${result.left.message}`)));
}

/** The shutdown steps the process logged, in order (the messages all start with "shutdown:"). */
function shutdownSteps(service: ServiceProcess): ReadonlyArray<string> {
  return service
    .messages()
    .filter((message) => message.startsWith('shutdown:'))
    .map((message) => message.replace(/;.*$/, ''));
}

describe('graceful shutdown of the process (node dist/src/main.js)', function () {
  this.timeout(60_000);
  let service: ServiceProcess | undefined;
  let client: ReconnectClient | undefined;

  afterEach(() => {
    client?.close();
    service?.kill();
  });

  it('on SIGTERM: answers all 50 calls in flight, refuses new calls, and exits 0', async () => {
    service = await ServiceProcess.start({
      ...UNTHROTTLED,
      RECONNECT_SHUTDOWN_GRACE_MS: '8000',
      RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '100',
    });
    const sessions = await disconnectedSessions(service, 50);
    await slowUpstream(service, 1500);
    client = new ReconnectClient(service.grpcAddress);
    const calls = reconnectAll(client, sessions);
    await untilInFlight(service, 50);

    service.signal('SIGTERM');
    await service.untilLogged(hasMessage('shutdown: no longer accepting calls'));
    const latecomer = new ReconnectClient(service.grpcAddress);
    try {
      const refused = await expectLeft(
        latecomer.reconnectStreamSession({
          streamGroupIdentifier: DEMO_STREAM_GROUP_ID,
          streamSessionIdentifier: sessions[0] ?? '',
          signalRequest: OFFER,
        }),
      );
      assert.equal(refused.code, status.UNAVAILABLE, refused.message);
    } finally {
      latecomer.close();
    }

    const results = await calls;
    assert.equal(results.length, 50);
    assert.ok(results.every(E.isRight), describeResults(results));
    assert.deepEqual(await service.exited(), { code: 0, signal: null });
    assert.deepEqual(shutdownSteps(service), [
      'shutdown: health is NOT_SERVING',
      'shutdown: no longer accepting calls',
      'shutdown: every call in flight finished',
      'shutdown: embedded emulator closed',
      'shutdown: stopped',
    ]);
  });

  it('calls slower than the grace end with a clean status, and the process still exits 0', async () => {
    service = await ServiceProcess.start({
      ...UNTHROTTLED,
      RECONNECT_SHUTDOWN_GRACE_MS: '1000',
      RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '100',
    });
    const sessions = await disconnectedSessions(service, 10);
    await slowUpstream(service, 30_000);
    client = new ReconnectClient(service.grpcAddress);
    const calls = reconnectAll(client, sessions);
    await untilInFlight(service, 10);

    service.signal('SIGTERM');

    const results = await calls;
    for (const result of results) {
      assert.ok(E.isLeft(result) && CLEAN_CANCELLATION.has(result.left.code), describeResults(results));
    }
    assert.deepEqual(await service.exited(), { code: 0, signal: null });
    assert.deepEqual(shutdownSteps(service), [
      'shutdown: health is NOT_SERVING',
      'shutdown: no longer accepting calls',
      'shutdown: cancelled the calls still in flight',
      'shutdown: embedded emulator closed',
      'shutdown: stopped',
    ]);
  });

  it('a second signal cancels the calls in flight at once instead of waiting for the grace', async () => {
    service = await ServiceProcess.start({
      ...UNTHROTTLED,
      RECONNECT_SHUTDOWN_GRACE_MS: '60000',
      RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '100',
    });
    const sessions = await disconnectedSessions(service, 5);
    await slowUpstream(service, 30_000);
    client = new ReconnectClient(service.grpcAddress);
    const calls = reconnectAll(client, sessions);
    await untilInFlight(service, 5);

    service.signal('SIGTERM');
    await service.untilLogged(hasMessage('shutdown: no longer accepting calls'));
    service.signal('SIGINT');

    const results = await calls;
    for (const result of results) {
      assert.ok(E.isLeft(result) && CLEAN_CANCELLATION.has(result.left.code), describeResults(results));
    }
    assert.deepEqual(await service.exited(), { code: 0, signal: null });
    assert.deepEqual(shutdownSteps(service), [
      'shutdown: health is NOT_SERVING',
      'shutdown: no longer accepting calls',
      'shutdown: second signal',
      'shutdown: cancelled the calls still in flight',
      'shutdown: embedded emulator closed',
      'shutdown: stopped',
    ]);
  });
});
