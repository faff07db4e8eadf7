import { strict as assert } from 'node:assert';

import {
  AccessDeniedException,
  ConflictException,
  GameLiftStreamsServiceException,
  InternalServerException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-gameliftstreams';

import type { UpstreamFailure } from '../../../src/domain/outcomes';
import { classifySdkError as classify, scrubMessage } from '../../../src/upstream/gameliftstreams';

const target = { streamGroupIdentifier: 'sg-1', streamSessionIdentifier: 's-1' };
const metadata = { $metadata: { requestId: 'req-42', httpStatusCode: 409 } };
const secrets = ['SECRET-OFFER'];
const classifySdkError = (error: unknown): UpstreamFailure => classify(error, target, secrets);

describe('classifySdkError', () => {
  const modelled: ReadonlyArray<[GameLiftStreamsServiceException, UpstreamFailure['_tag']]> = [
    [new AccessDeniedException({ message: 'denied', Message: 'denied', ...metadata }), 'UpstreamAccessDenied'],
    [new ConflictException({ message: 'conflict', Message: 'conflict', ...metadata }), 'UpstreamConflict'],
    [new InternalServerException({ message: 'internal', Message: 'internal', ...metadata }), 'UpstreamInternalServer'],
    [
      new ResourceNotFoundException({ message: 'missing', Message: 'missing', ...metadata }),
      'UpstreamResourceNotFound',
    ],
    [new ThrottlingException({ message: 'slow down', Message: 'slow down', ...metadata }), 'UpstreamThrottling'],
    [new ValidationException({ message: 'invalid', Message: 'invalid', ...metadata }), 'UpstreamValidation'],
  ];
  for (const [error, tag] of modelled) {
    it(`classifies ${error.name} as ${tag} with its request id`, () => {
      const classified = classifySdkError(error);
      assert.equal(classified._tag, tag);
      assert.ok('upstream' in classified);
      assert.equal(classified.upstream.requestId, 'req-42');
      assert.equal(classified.upstream.message, error.message);
    });
  }

  it('keeps the name and message of an unmodelled AWS error', () => {
    const error = new GameLiftStreamsServiceException({
      name: 'ServiceQuotaExceededException',
      $fault: 'client',
      message: 'quota',
      $metadata: { requestId: 'r', httpStatusCode: 402 },
    });
    assert.deepEqual(classifySdkError(error), {
      _tag: 'UpstreamUnmodelled',
      target,
      name: 'ServiceQuotaExceededException',
      message: 'quota',
      requestId: 'r',
      httpStatus: 402,
    });
  });

  it('treats a typeless gateway 503 as unreachable', () => {
    const error = new GameLiftStreamsServiceException({
      name: 'Unknown',
      $fault: 'server',
      message: 'UnknownError',
      $metadata: { httpStatusCode: 503 },
    });
    assert.equal(classifySdkError(error)._tag, 'UpstreamUnreachable');
  });

  it('classifies socket errors as unreachable', () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.deepEqual(classifySdkError(error), { _tag: 'UpstreamUnreachable', target, reason: 'ECONNRESET' });
  });

  it("classifies undici's transport failures as unreachable by their code, whatever the handler named them", () => {
    // A reset before the answer's headers: the HTTP handler renames it RequestTimeout, and the code tells the truth.
    const reset = Object.assign(new Error('other side closed'), { name: 'RequestTimeout', code: 'UND_ERR_SOCKET' });
    assert.deepEqual(classifySdkError(reset), { _tag: 'UpstreamUnreachable', target, reason: 'UND_ERR_SOCKET' });
    // A body that stalls after a 200: undici's error as it is, with the answer's status attached by the SDK.
    const stalled = Object.assign(new Error('Body Timeout Error'), {
      name: 'BodyTimeoutError',
      code: 'UND_ERR_BODY_TIMEOUT',
      $metadata: { httpStatusCode: 200 },
    });
    assert.deepEqual(classifySdkError(stalled), {
      _tag: 'UpstreamUnreachable',
      target,
      reason: 'UND_ERR_BODY_TIMEOUT',
    });
  });

  it('calls any other failure a misconfiguration, keeping only its name', () => {
    const error = Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' });
    assert.deepEqual(classifySdkError(error), {
      _tag: 'UpstreamClientMisconfigured',
      name: 'CredentialsProviderError',
    });
    assert.deepEqual(classifySdkError('a string'), { _tag: 'UpstreamClientMisconfigured', name: 'UnknownFailure' });
  });

  it('scrubs the signal request out of AWS messages', () => {
    const error = new ValidationException({
      message: 'bad offer SECRET-OFFER here',
      Message: 'bad offer SECRET-OFFER here',
      ...metadata,
    });
    const classified = classifySdkError(error);
    assert.ok('upstream' in classified);
    assert.equal(classified.upstream.message, 'bad offer [redacted] here');
  });

  it('bounds the length of AWS messages', () => {
    assert.equal(scrubMessage('x'.repeat(2000), []).length, 515);
  });
});
