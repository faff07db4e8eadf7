import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';

import { reconnectStreamSession } from '../../../src/domain/reconnect';
import type { ReconnectCommand } from '../../../src/domain/reconnect-request';
import type { ReconnectError } from '../../../src/domain/reconnect-error';
import type { SignalResponse, StreamSessionConnector } from '../../../src/domain/stream-session-connector';

/** A connector that records what it was asked and answers as told: the pipeline's only dependency. */
class RecordingConnector implements StreamSessionConnector {
  readonly commands: ReconnectCommand[] = [];
  constructor(private readonly answer: E.Either<ReconnectError, SignalResponse>) {}
  createStreamSessionConnection(command: ReconnectCommand): TE.TaskEither<ReconnectError, SignalResponse> {
    this.commands.push(command);
    return TE.fromEither(this.answer);
  }
}

const policy = { maxSignalRequestBytes: 100, defaultRegion: 'us-west-2', servedRegions: new Set(['us-west-2']) };
const request = {
  streamGroupIdentifier: 'sg-1AB2C3De4',
  streamSessionIdentifier: 'ABC123def4567',
  signalRequest: 'offer',
  clientToken: 't'.repeat(40),
};
const context = { signal: new AbortController().signal, deadline: Date.now() + 10_000 };

describe('reconnectStreamSession pipeline', () => {
  it('passes the validated command to the connector and returns its answer', async () => {
    const connector = new RecordingConnector(E.right('answer'));
    const result = await reconnectStreamSession({ policy, connector })(request, context)();
    assert.deepEqual(result, E.right({ signalResponse: 'answer' }));
    assert.deepEqual(connector.commands, [{ region: 'us-west-2', ...request }]);
  });

  it('makes no upstream call for an invalid request', async () => {
    const connector = new RecordingConnector(E.right('answer'));
    const result = await reconnectStreamSession({ policy, connector })({ ...request, signalRequest: '' }, context)();
    assert.ok(E.isLeft(result));
    assert.equal(result.left._tag, 'InvalidRequest');
    assert.equal(connector.commands.length, 0);
  });

  it('passes upstream errors through unchanged', async () => {
    const conflict: ReconnectError = {
      _tag: 'UpstreamConflict',
      upstream: { target: { streamGroupIdentifier: 'sg-1AB2C3De4', streamSessionIdentifier: 'ABC123def4567' }, message: 'm', requestId: 'r' },
    };
    const result = await reconnectStreamSession({ policy, connector: new RecordingConnector(E.left(conflict)) })(request, context)();
    assert.deepEqual(result, E.left(conflict));
  });
});
