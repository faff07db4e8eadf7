import { strict as assert } from 'node:assert';
import * as E from 'fp-ts/Either';
import { ExportFilesStatus, StreamSessionStatus, StreamSessionStatusReason } from '@aws-sdk/client-gameliftstreams';
import { FaultPlan } from '../../src/emulator/faults';
import { decodeNextToken, encodeNextToken, pageOf } from '../../src/emulator/pagination';
import { routeAwsRequest, splitTarget } from '../../src/emulator/router';
import { EmulatorStore } from '../../src/emulator/store';
import { noTimers, type StreamSession } from '../../src/emulator/stream-session';
import {
  EXPORT_FILES_STATUSES,
  STREAM_SESSION_STATUS_REASONS,
  STREAM_SESSION_STATUSES,
} from '../../src/emulator/session-status';
import { emulatorSignalResponse, sha256Hex } from '../../src/emulator/signal-answer';
import { TokenBucket } from '../../src/emulator/throttle';
import { TimerRegistry } from '../../src/emulator/timers';

describe('emulator units (no sockets)', () => {
  describe('routeAwsRequest', () => {
    const route = (method: string, target: string) => routeAwsRequest(method, splitTarget(target));

    it('splits the raw path before decoding labels, so an encoded session ARN stays one label', () => {
      const matched = route(
        'POST',
        '/streamgroups/sg-1AB2C3De4/streamsessions/arn%3Aaws%3Agameliftstreams%3Aus-west-2%3A111122223333%3Astreamsession%2Fsg-1AB2C3De4%2FABC123def4567/connections',
      );
      assert.equal(matched?.operation, 'CreateStreamSessionConnection');
      assert.ok(matched !== undefined && 'streamSessionIdentifier' in matched);
      assert.deepEqual(matched.streamSessionIdentifier, {
        kind: 'decoded',
        value: 'arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-1AB2C3De4/ABC123def4567',
      });
    });

    it('maps each method and path to its operation', () => {
      assert.equal(route('POST', '/streamgroups/g/streamsessions')?.operation, 'StartStreamSession');
      assert.equal(route('GET', '/streamgroups/g/streamsessions?MaxResults=5')?.operation, 'ListStreamSessions');
      assert.equal(route('GET', '/streamgroups/g/streamsessions/s')?.operation, 'GetStreamSession');
      assert.equal(route('DELETE', '/streamgroups/g/streamsessions/s')?.operation, 'TerminateStreamSession');
      assert.equal(route('PATCH', '/streamgroups/g/streamsessions/s'), undefined);
      assert.equal(route('GET', '/streamgroups/g/streamsessions/s/connections'), undefined);
      assert.equal(route('GET', '/streamsessions?MaxResults=5')?.operation, 'ListStreamSessionsByAccount');
      assert.equal(route('POST', '/streamsessions'), undefined);
      assert.equal(route('GET', '/streamsessions/x'), undefined);
    });

    it('keeps a label that is not valid percent-encoding as malformed', () => {
      const matched = route('GET', '/streamgroups/%E0%A4%A/streamsessions');
      assert.ok(matched !== undefined && 'identifier' in matched);
      assert.deepEqual(matched.identifier, { kind: 'malformed', raw: '%E0%A4%A' });
    });
  });

  describe('status vocabularies', () => {
    const sorted = (values: readonly string[]): string[] => [...values].sort();

    it("are exactly the SDK's enums (StreamSessionStatus, StreamSessionStatusReason, ExportFilesStatus)", () => {
      assert.deepEqual(sorted(STREAM_SESSION_STATUSES), sorted(Object.values(StreamSessionStatus)));
      assert.deepEqual(sorted(STREAM_SESSION_STATUS_REASONS), sorted(Object.values(StreamSessionStatusReason)));
      assert.deepEqual(sorted(EXPORT_FILES_STATUSES), sorted(Object.values(ExportFilesStatus)));
    });
  });

  describe('EmulatorStore: the ended-session retention', () => {
    const endedSession = (id: string, endedAtMs: number): StreamSession => ({
      id,
      arn: `arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-1/${id}`,
      streamGroupId: 'sg-1',
      sequence: 1,
      location: 'us-west-2',
      protocol: 'WebRTC',
      applicationArn: 'arn:aws:gameliftstreams:us-west-2:111122223333:application/a-1',
      description: undefined,
      userId: undefined,
      connectionTimeoutSeconds: 120,
      sessionLengthSeconds: 43_200,
      additionalLaunchArgs: undefined,
      additionalEnvironmentVariables: undefined,
      performanceStatsConfiguration: undefined,
      roleArn: undefined,
      displayConfiguration: undefined,
      createdAtMs: 0,
      initialSignalResponse: undefined,
      status: 'TERMINATED',
      statusReason: 'apiTerminated',
      lastUpdatedAtMs: endedAtMs,
      reconnections: 0,
      timers: noTimers(),
    });

    it('keeps an ended session until the retention has passed since it ended, then forgets it for good', () => {
      let now = 1_000_000;
      const store = new EmulatorStore(
        { region: 'us-west-2', accountId: '111122223333' },
        () => now,
        () => 10_000,
      );
      const { group } = store.ensureStreamGroup('sg-1');
      assert.ok(E.isRight(store.addSession(group, endedSession('ended', now))));
      now += 9_999;
      assert.equal(store.findStreamSession(group, 'ended')?.id, 'ended');
      assert.equal(store.sessionsOf(group).length, 1);
      now += 1;
      assert.equal(store.findStreamSession(group, 'ended'), undefined);
      assert.deepEqual(store.allSessions(), []);
      now -= 5_000;
      assert.equal(store.findStreamSession(group, 'ended'), undefined, 'a forgotten session does not come back');
    });
  });

  describe('TokenBucket', () => {
    it('allows the burst, then refills at the rate', () => {
      const bucket = new TokenBucket({ ratePerSecond: 2, burst: 3 }, 0);
      assert.deepEqual(
        [bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0)],
        [true, true, true, false],
      );
      assert.equal(bucket.tryTake(400), false);
      assert.equal(bucket.tryTake(500), true);
      assert.equal(bucket.tryTake(10_000), true);
      assert.deepEqual([bucket.tryTake(10_000), bucket.tryTake(10_000), bucket.tryTake(10_000)], [true, true, false]);
    });
  });

  describe('FaultPlan', () => {
    it('defaults to one application, honours count, and skips a failed probability draw without consuming', () => {
      const draws = [0.9, 0.1];
      const plan = new FaultPlan(() => draws.shift() ?? 0);
      plan.add({ operation: 'GetStreamSession', fault: { kind: 'drop-connection' } });
      assert.deepEqual(plan.take('GetStreamSession'), { kind: 'drop-connection' });
      assert.equal(plan.take('GetStreamSession'), undefined);
      plan.add({ operation: 'GetStreamSession', fault: { kind: 'latency', ms: 5 }, probability: 0.5, count: 1 });
      assert.equal(plan.take('GetStreamSession'), undefined);
      assert.deepEqual(plan.take('GetStreamSession'), { kind: 'latency', ms: 5 });
      assert.equal(plan.size, 0);
    });
  });

  describe('pagination tokens', () => {
    it('round-trip and reject anything else', () => {
      assert.equal(decodeNextToken(encodeNextToken(75)), 75);
      assert.equal(decodeNextToken('forged'), undefined);
      assert.equal(decodeNextToken(Buffer.from('emulator-page:-1').toString('base64url')), undefined);
    });

    it('a page starts at the first item at or after the cursor, so a gap left by a forgotten item skips nothing', () => {
      const items = [{ sequence: 1 }, { sequence: 3 }, { sequence: 5 }, { sequence: 8 }];
      assert.deepEqual(pageOf(items, 0, 2), { items: [{ sequence: 1 }, { sequence: 3 }], next: 5 });
      assert.deepEqual(pageOf(items, 4, 2), { items: [{ sequence: 5 }, { sequence: 8 }], next: undefined });
      assert.deepEqual(pageOf(items, 9, 2), { items: [], next: undefined });
    });
  });

  describe('emulatorSignalResponse', () => {
    it('is a JSON answer derived from the offer hash, not the offer', () => {
      const offer = '{"type":"offer","sdp":"secret"}';
      const answer: unknown = JSON.parse(emulatorSignalResponse(offer));
      assert.ok(typeof answer === 'object' && answer !== null && 'type' in answer && 'sdp' in answer);
      assert.equal(answer.type, 'answer');
      assert.match(String(answer.sdp), new RegExp(`emulator-answer-${sha256Hex(offer).slice(0, 16)}`));
      assert.ok(!emulatorSignalResponse(offer).includes('secret'));
    });
  });

  describe('TimerRegistry', () => {
    it('cancels everything on close and refuses new timers afterwards', () => {
      const timers = new TimerRegistry();
      let fired = 0;
      timers.schedule(10_000, () => (fired += 1));
      timers.schedule(10_000, () => (fired += 1));
      assert.equal(timers.size, 2);
      timers.close();
      assert.equal(timers.size, 0);
      assert.equal(timers.schedule(1, () => (fired += 1)).handle, undefined);
      assert.equal(fired, 0);
    });
  });
});
