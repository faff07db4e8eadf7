import { strict as assert } from 'node:assert';

import { GetStreamSessionCommand, TerminateStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import { status } from '@grpc/grpc-js';

import type { ServiceFoundations } from '../../src/app';
import { DEFAULT_ENDED_SESSION_RETENTION_MS } from '../../src/emulator/options';
import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import { expectLeft, expectRight } from '../support/task-either';
import { connectionCallsReceived } from '../support/emulator-counters';
import {
  EVERY_FIELD_INVALID,
  GROUP_ARN,
  GROUP_ID,
  disconnectedSession,
  startHarness,
  useHarness,
} from '../support/service-harness';

const OFFER = '{"type":"offer","sdp":"v=0 e2e-offer-fixture"}';
const request = (
  sessionIdentifier: string,
  overrides: Partial<{ signalRequest: string; clientToken: string }> = {},
) => ({
  streamGroupIdentifier: GROUP_ID,
  streamSessionIdentifier: sessionIdentifier,
  signalRequest: overrides.signalRequest ?? OFFER,
  clientToken: overrides.clientToken,
});

describe('ReconnectStreamSession end to end (grpc-js client → service → AWS SDK → emulator)', function () {
  this.timeout(30_000);
  const harness = useHarness();

  describe('success', () => {
    it('reconnects a dropped session by ID and returns the stream server answer', async () => {
      const session = await disconnectedSession(harness());
      const response = await expectRight(harness().client.reconnectStreamSession(request(session.id)));
      assert.equal(response.signalResponse, emulatorSignalResponse(OFFER));
      const after = await harness().aws.send(
        new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
      );
      assert.ok(after.Status === 'RECONNECTING' || after.Status === 'ACTIVE', `status ${after.Status ?? ''}`);
    });

    it('reconnects by ARN, with the ARNs percent-encoded on the wire', async () => {
      const session = await disconnectedSession(harness());
      const response = await expectRight(
        harness().client.reconnectStreamSession({ ...request(session.arn), streamGroupIdentifier: GROUP_ARN }),
      );
      assert.equal(response.signalResponse, emulatorSignalResponse(OFFER));
      const seen = await expectRight(harness().control.requests('CreateStreamSessionConnection'));
      const last = seen.requests[seen.requests.length - 1];
      assert.equal(last?.identifier, GROUP_ARN);
      assert.equal(last?.streamSessionIdentifier, session.arn);
    });

    it('passes the caller client_token to AWS unchanged', async () => {
      const session = await disconnectedSession(harness());
      const token = `tok-${session.id}-!~#{}[]-0123456789abcdef`;
      await expectRight(harness().client.reconnectStreamSession(request(session.id, { clientToken: token })));
      const seen = await expectRight(harness().control.requests('CreateStreamSessionConnection'));
      assert.equal(seen.requests[seen.requests.length - 1]?.clientToken, token);
    });
  });

  describe('invalid requests', () => {
    it('answers INVALID_ARGUMENT naming every bad field and makes no upstream call', async () => {
      const before = await connectionCallsReceived(harness().control);
      const error = await expectLeft(harness().client.reconnectStreamSession(EVERY_FIELD_INVALID.request));
      assert.equal(error.code, status.INVALID_ARGUMENT);
      for (const field of EVERY_FIELD_INVALID.fieldNames) {
        assert.ok(error.message.includes(field), `${error.message} should name ${field}`);
      }
      assert.equal(await connectionCallsReceived(harness().control), before);
    });

    it('answers RESOURCE_EXHAUSTED for a message over the receive limit, without an upstream call', async () => {
      const before = await connectionCallsReceived(harness().control);
      const error = await expectLeft(
        harness().client.reconnectStreamSession(request('ABC123def4567', { signalRequest: 'x'.repeat(200 * 1024) })),
      );
      assert.equal(error.code, status.RESOURCE_EXHAUSTED);
      assert.equal(await connectionCallsReceived(harness().control), before);
    });
  });

  describe('each AWS outcome becomes its status', () => {
    const injected: ReadonlyArray<[string, status]> = [
      ['ValidationException', status.INVALID_ARGUMENT],
      ['AccessDeniedException', status.PERMISSION_DENIED],
      ['ResourceNotFoundException', status.NOT_FOUND],
      ['ConflictException', status.FAILED_PRECONDITION],
      ['ThrottlingException', status.RESOURCE_EXHAUSTED],
      ['InternalServerException', status.INTERNAL],
      ['SomethingNewException', status.UNKNOWN],
    ];
    for (const [errorName, code] of injected) {
      it(`${errorName} → ${status[code]}, with the AWS request id in the message`, async () => {
        const session = await disconnectedSession(harness());
        await expectRight(
          harness().control.injectFault({
            operation: 'CreateStreamSessionConnection',
            fault: { kind: 'error', errorName, message: `injected ${errorName}` },
            probability: 1,
          }),
        );
        const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
        assert.equal(error.code, code, error.message);
        assert.match(error.message, new RegExp(errorName));
        assert.match(error.message, /AWS request id [0-9a-f-]{36}/);
        assert.ok(!error.message.includes(OFFER));
      });
    }

    it('a dropped connection → UNAVAILABLE', async () => {
      const session = await disconnectedSession(harness());
      await expectRight(
        harness().control.injectFault({
          operation: 'CreateStreamSessionConnection',
          fault: { kind: 'drop-connection' },
          probability: 1,
        }),
      );
      const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
      assert.equal(error.code, status.UNAVAILABLE, error.message);
    });

    it('an HTTP 503 with no AWS error type → UNAVAILABLE', async () => {
      const session = await disconnectedSession(harness());
      await expectRight(
        harness().control.injectFault({
          operation: 'CreateStreamSessionConnection',
          fault: { kind: 'http-status', status: 503 },
          probability: 1,
        }),
      );
      const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
      assert.equal(error.code, status.UNAVAILABLE, error.message);
    });

    it('an unknown session → NOT_FOUND from the emulator itself', async () => {
      const error = await expectLeft(harness().client.reconnectStreamSession(request('NoSuchSession1')));
      assert.equal(error.code, status.NOT_FOUND);
      assert.match(error.message, /NoSuchSession1/);
    });

    it('an unknown stream group → NOT_FOUND', async () => {
      const error = await expectLeft(
        harness().client.reconnectStreamSession({ ...request('ABC123def4567'), streamGroupIdentifier: 'sg-missing01' }),
      );
      assert.equal(error.code, status.NOT_FOUND);
    });
  });

  describe('sessions that cannot be reconnected', () => {
    // TERMINATED and ERROR here are ended sessions that AWS still keeps (docs/ended-sessions.md).
    for (const sessionStatus of [
      'ACTIVATING',
      'CONNECTED',
      'RECONNECTING',
      'TERMINATING',
      'TERMINATED',
      'ERROR',
    ] as const) {
      it(`${sessionStatus} → FAILED_PRECONDITION`, async () => {
        const session = await disconnectedSession(harness());
        await expectRight(harness().control.forceStatus(GROUP_ID, session.id, { status: sessionStatus }));
        const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
        assert.equal(error.code, status.FAILED_PRECONDITION, error.message);
        assert.match(error.message, /ConflictException/);
      });
    }

    it('an ended session that AWS no longer keeps → NOT_FOUND (ResourceNotFoundException)', async () => {
      const session = await disconnectedSession(harness());
      await harness().aws.send(
        new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
      );
      await expectRight(harness().control.setRetention({ endedSessionRetentionMs: 0 }));
      try {
        const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
        assert.equal(error.code, status.NOT_FOUND, error.message);
        assert.match(error.message, /ResourceNotFoundException/);
      } finally {
        await expectRight(
          harness().control.setRetention({ endedSessionRetentionMs: DEFAULT_ENDED_SESSION_RETENTION_MS }),
        );
      }
    });

    it('an ACTIVE session (client never connected) can be reconnected', async () => {
      const session = await disconnectedSession(harness());
      await expectRight(harness().control.forceStatus(GROUP_ID, session.id, { status: 'ACTIVE' }));
      await expectRight(harness().client.reconnectStreamSession(request(session.id)));
    });
  });

  describe('deadlines', () => {
    it("the caller's deadline → DEADLINE_EXCEEDED", async () => {
      const session = await disconnectedSession(harness());
      await expectRight(
        harness().control.injectFault({
          operation: 'CreateStreamSessionConnection',
          fault: { kind: 'latency', ms: 3000 },
          probability: 1,
        }),
      );
      const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id), { deadlineMs: 300 }));
      assert.equal(error.code, status.DEADLINE_EXCEEDED);
    });
  });
});

describe('a bug inside the pipeline', function () {
  this.timeout(30_000);
  let failuresLeft = 1;
  const throwOnce = (production: ServiceFoundations): ServiceFoundations => ({
    ...production,
    connector: {
      createStreamSessionConnection: (command, timing) => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new TypeError('forced defect for the test');
        }
        return production.connector.createStreamSessionConnection(command, timing);
      },
    },
  });
  const harness = useHarness({ foundations: throwOnce });

  it('answers INTERNAL with a generic message, logs the stack, and keeps serving', async () => {
    const session = await disconnectedSession(harness());
    const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
    assert.equal(error.code, status.INTERNAL);
    assert.equal(error.message, 'internal error in the reconnect service; it has been logged');
    const logged = harness()
      .logs.entries()
      .find((entry) => entry.msg === 'defect in the reconnect pipeline');
    assert.ok(logged !== undefined, 'the defect should be logged');
    assert.match(JSON.stringify(logged), /TypeError: forced defect for the test\\n\s+at /);

    const next = await expectRight(harness().client.reconnectStreamSession(request(session.id)));
    assert.equal(next.signalResponse, emulatorSignalResponse(OFFER));
  });

  it('also turns a rejected promise into INTERNAL', async () => {
    const rejecting = await startHarness({
      foundations: (production) => ({
        ...production,
        connector: { createStreamSessionConnection: () => () => Promise.reject(new Error('rejected on purpose')) },
      }),
    });
    try {
      const session = await disconnectedSession(rejecting);
      const error = await expectLeft(rejecting.client.reconnectStreamSession(request(session.id)));
      assert.equal(error.code, status.INTERNAL);
      await expectLeft(rejecting.client.reconnectStreamSession(request(session.id)));
    } finally {
      await rejecting.close();
    }
  });
});
