import { strict as assert } from 'node:assert';

import { status } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { receiveLimitFor, tunedServerOptions } from '../../src/transport/grpc-server';
import { testServiceConfig } from '../support/service-config';
import { connectionCallsReceived, untilConnectionCallsReceived } from '../support/emulator-counters';
import { disconnectedSession, GROUP_ID, useHarness } from '../support/service-harness';
import { expectLeft, expectRight } from '../support/task-either';

const OFFER = '{"type":"offer","sdp":"v=0 server-options-offer"}';

describe('gRPC server options', function () {
  this.timeout(30_000);

  it('every tuned option comes from the configuration', () => {
    const tuning = {
      keepaliveTimeMs: 11_000,
      keepaliveTimeoutMs: 12_000,
      maxConnectionAgeMs: 13_000,
      maxConnectionAgeGraceMs: 14_000,
      maxConcurrentStreams: 15,
    };
    assert.deepEqual(tunedServerOptions(receiveLimitFor(1000), tuning), {
      'grpc.max_receive_message_length': 5096,
      'grpc.max_send_message_length': 5096,
      'grpc.keepalive_time_ms': 11_000,
      'grpc.keepalive_timeout_ms': 12_000,
      'grpc.max_connection_age_ms': 13_000,
      'grpc.max_connection_age_grace_ms': 14_000,
      'grpc.max_concurrent_streams': 15,
    });
  });

  it('the defaults are the documented ones', () => {
    const defaults = testServiceConfig();
    assert.deepEqual(tunedServerOptions(receiveLimitFor(defaults.maxSignalRequestBytes), defaults.grpcServer), {
      'grpc.max_receive_message_length': 64 * 1024 + 4096,
      'grpc.max_send_message_length': 64 * 1024 + 4096,
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
      'grpc.max_connection_age_ms': 1_800_000,
      'grpc.max_connection_age_grace_ms': 30_000,
      'grpc.max_concurrent_streams': 1000,
    });
  });

  describe('message size follows RECONNECT_MAX_SIGNAL_REQUEST_BYTES', () => {
    const maxSignalRequestBytes = 1024;
    const harness = useHarness({ maxSignalRequestBytes });

    it('a message over the receive limit is RESOURCE_EXHAUSTED and never reaches AWS', async () => {
      const before = await connectionCallsReceived(harness().control);
      const error = await expectLeft(
        harness().client.reconnectStreamSession({
          streamGroupIdentifier: GROUP_ID,
          streamSessionIdentifier: 'ABC123def4567',
          signalRequest: 'x'.repeat(receiveLimitFor(maxSignalRequestBytes)),
        }),
      );
      assert.equal(error.code, status.RESOURCE_EXHAUSTED);
      assert.equal(await connectionCallsReceived(harness().control), before);
    });

    it('a signal request of exactly the configured size gets through', async () => {
      const session = await disconnectedSession(harness());
      const offer = OFFER.padEnd(maxSignalRequestBytes, ' ');
      await expectRight(
        harness().client.reconnectStreamSession({
          streamGroupIdentifier: GROUP_ID,
          streamSessionIdentifier: session.id,
          signalRequest: offer,
        }),
      );
    });
  });

  describe('GRPC_MAX_CONCURRENT_STREAMS=1', () => {
    const harness = useHarness({ grpcServer: { ...testServiceConfig().grpcServer, maxConcurrentStreams: 1 } });

    it('a second call on the same connection waits for the first, even when the first is the slow one', async () => {
      const [slow, fast] = [await disconnectedSession(harness()), await disconnectedSession(harness())];
      const before = await connectionCallsReceived(harness().control);
      // Only the next call is slowed: without the limit the second call would overtake the first.
      await expectRight(
        harness().control.injectFault({
          operation: 'CreateStreamSessionConnection',
          fault: { kind: 'latency', ms: 500 },
          count: 1,
        }),
      );
      const answered: string[] = [];
      const call = (sessionId: string, name: string) =>
        harness()
          .client.reconnectStreamSession({
            streamGroupIdentifier: GROUP_ID,
            streamSessionIdentifier: sessionId,
            signalRequest: OFFER,
          })()
          .then((result) => {
            answered.push(name);
            return result;
          });
      const first = call(slow.id, 'slow');
      await untilConnectionCallsReceived(harness().control, before + 1);
      const second = call(fast.id, 'fast');
      const results = await Promise.all([first, second]);
      assert.ok(results.every(E.isRight), JSON.stringify(results));
      assert.deepEqual(answered, ['slow', 'fast']);
    });
  });
});
