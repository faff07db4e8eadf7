import { strict as assert } from 'node:assert';

import { GetStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import { status } from '@grpc/grpc-js';

import { StreamSessionStatus } from '../../src/gen/reconnect/v1/reconnect';
import { GROUP_ARN, GROUP_ID, disconnectedSession, useHarness } from '../support/service-harness';
import { expectLeft, expectRight } from '../support/task-either';

describe('GetStreamSession end to end', function () {
  this.timeout(20_000);
  const harness = useHarness();

  it('reports a dropped session as reconnectable until last update + ConnectionTimeoutSeconds', async () => {
    const session = await disconnectedSession(harness(), 300);
    const response = await expectRight(
      harness().client.getStreamSession({ streamGroupIdentifier: GROUP_ARN, streamSessionIdentifier: session.arn }),
    );
    const truth = await harness().aws.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(response.status, StreamSessionStatus.STREAM_SESSION_STATUS_PENDING_CLIENT_RECONNECTION);
    assert.equal(response.statusName, 'PENDING_CLIENT_RECONNECTION');
    assert.equal(response.reconnectable, true);
    assert.equal(response.arn, session.arn);
    assert.equal(response.connectionTimeoutSeconds, 300);
    assert.equal(response.lastUpdatedAt?.getTime(), truth.LastUpdatedAt?.getTime());
    assert.equal(response.reconnectionWindowEndsAt?.getTime(), (truth.LastUpdatedAt?.getTime() ?? 0) + 300_000);
  });

  it('reports a connected session as not reconnectable, without a window', async () => {
    const session = await disconnectedSession(harness());
    await expectRight(harness().control.forceStatus(GROUP_ID, session.id, { status: 'CONNECTED' }));
    const response = await expectRight(
      harness().client.getStreamSession({ streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id }),
    );
    assert.equal(response.status, StreamSessionStatus.STREAM_SESSION_STATUS_CONNECTED);
    assert.equal(response.reconnectable, false);
    assert.equal(response.reconnectionWindowEndsAt, undefined);
  });

  it('reports why a session ended', async () => {
    const session = await disconnectedSession(harness());
    await expectRight(
      harness().control.forceStatus(GROUP_ID, session.id, {
        status: 'TERMINATED',
        statusReason: 'reconnectionTimeout',
      }),
    );
    const response = await expectRight(
      harness().client.getStreamSession({ streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id }),
    );
    assert.equal(response.status, StreamSessionStatus.STREAM_SESSION_STATUS_TERMINATED);
    assert.equal(response.statusReason, 'reconnectionTimeout');
    assert.equal(response.reconnectable, false);
  });

  it('maps an unknown session to NOT_FOUND', async () => {
    const error = await expectLeft(
      harness().client.getStreamSession({ streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: 'NoSuchSession1' }),
    );
    assert.equal(error.code, status.NOT_FOUND);
  });

  it('maps injected AWS errors like ReconnectStreamSession does', async () => {
    await expectRight(
      harness().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'error', errorName: 'AccessDeniedException' },
        probability: 1,
      }),
    );
    try {
      const error = await expectLeft(
        harness().client.getStreamSession({ streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: 'AnySession01' }),
      );
      assert.equal(error.code, status.PERMISSION_DENIED);
    } finally {
      await expectRight(harness().control.clearFaults());
    }
  });

  it('validates like ReconnectStreamSession, naming every bad field, with no upstream call', async () => {
    const before = (await expectRight(harness().control.counters())).calls.GetStreamSession;
    const error = await expectLeft(
      harness().client.getStreamSession({ streamGroupIdentifier: '', streamSessionIdentifier: 'x/../y' }),
    );
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.match(error.message, /stream_group_identifier is required; stream_session_identifier must be an ID/);
    assert.equal((await expectRight(harness().control.counters())).calls.GetStreamSession, before);
  });
});
