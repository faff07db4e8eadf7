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

import type { AbortCause, ReconnectErrorTag } from '../../../src/domain/reconnect-error';
import { classifySdkError, scrubMessage } from '../../../src/upstream/classify-sdk-error';

const target = { streamGroupIdentifier: 'sg-1', streamSessionIdentifier: 's-1' };
const metadata = { $metadata: { requestId: 'req-42', httpStatusCode: 409 } };
const context = { target, signal: new AbortController().signal, secrets: ['SECRET-OFFER'] };

describe('classifySdkError', () => {
  const modelled: ReadonlyArray<[GameLiftStreamsServiceException, ReconnectErrorTag]> = [
    [new AccessDeniedException({ message: 'denied', Message: 'denied', ...metadata }), 'UpstreamAccessDenied'],
    [new ConflictException({ message: 'conflict', Message: 'conflict', ...metadata }), 'UpstreamConflict'],
    [new InternalServerException({ message: 'internal', Message: 'internal', ...metadata }), 'UpstreamInternalServer'],
    [new ResourceNotFoundException({ message: 'missing', Message: 'missing', ...metadata }), 'UpstreamResourceNotFound'],
    [new ThrottlingException({ message: 'slow down', Message: 'slow down', ...metadata }), 'UpstreamThrottling'],
    [new ValidationException({ message: 'invalid', Message: 'invalid', ...metadata }), 'UpstreamValidation'],
  ];
  for (const [error, tag] of modelled) {
    it(`classifies ${error.name} as ${tag} with its request id`, () => {
      const classified = classifySdkError(error, context);
      assert.equal(classified._tag, tag);
      assert.ok('upstream' in classified);
      assert.equal(classified.upstream.requestId, 'req-42');
      assert.equal(classified.upstream.message, error.message);
    });
  }

  it('keeps the name and message of an unmodelled AWS error', () => {
    const error = new GameLiftStreamsServiceException({
      name: 'ServiceQuotaExceededException', $fault: 'client', message: 'quota', $metadata: { requestId: 'r', httpStatusCode: 402 },
    });
    assert.deepEqual(classifySdkError(error, context), {
      _tag: 'UpstreamUnmodelled', target, name: 'ServiceQuotaExceededException', message: 'quota', requestId: 'r', httpStatus: 402,
    });
  });

  it('treats a typeless gateway 503 as unreachable', () => {
    const error = new GameLiftStreamsServiceException({
      name: 'Unknown', $fault: 'server', message: 'UnknownError', $metadata: { httpStatusCode: 503 },
    });
    assert.equal(classifySdkError(error, context)._tag, 'UpstreamUnreachable');
  });

  it('classifies socket errors as unreachable', () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.deepEqual(classifySdkError(error, context), { _tag: 'UpstreamUnreachable', target, reason: 'ECONNRESET' });
  });

  it("classifies undici's transport failures as unreachable by their code, whatever the handler named them", () => {
    // A reset before the answer's headers: the HTTP handler renames it RequestTimeout, and the code tells the truth.
    const reset = Object.assign(new Error('other side closed'), { name: 'RequestTimeout', code: 'UND_ERR_SOCKET' });
    assert.deepEqual(classifySdkError(reset, context), { _tag: 'UpstreamUnreachable', target, reason: 'UND_ERR_SOCKET' });
    // A body that stalls after a 200: undici's error as it is, with the answer's status attached by the SDK.
    const stalled = Object.assign(new Error('Body Timeout Error'), {
      name: 'BodyTimeoutError',
      code: 'UND_ERR_BODY_TIMEOUT',
      $metadata: { httpStatusCode: 200 },
    });
    assert.deepEqual(classifySdkError(stalled, context), { _tag: 'UpstreamUnreachable', target, reason: 'UND_ERR_BODY_TIMEOUT' });
  });

  it('uses the abort cause when the call was aborted', () => {
    const causes: ReadonlyArray<[AbortCause, ReconnectErrorTag]> = [
      [{ _tag: 'DeadlineReached', budgetMs: 5 }, 'DeadlineExceeded'],
      [{ _tag: 'CallerCancelled' }, 'Cancelled'],
    ];
    for (const [cause, tag] of causes) {
      const controller = new AbortController();
      controller.abort(cause);
      const abortError = Object.assign(new Error('aborted'), { name: 'AbortError' });
      assert.equal(classifySdkError(abortError, { ...context, signal: controller.signal })._tag, tag);
    }
  });

  it('calls any other failure a misconfiguration, keeping only its name', () => {
    const error = Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' });
    assert.deepEqual(classifySdkError(error, context), { _tag: 'UpstreamClientMisconfigured', name: 'CredentialsProviderError' });
    assert.deepEqual(classifySdkError('a string', context), { _tag: 'UpstreamClientMisconfigured', name: 'UnknownFailure' });
  });

  it('scrubs the signal request out of AWS messages', () => {
    const error = new ValidationException({ message: 'bad offer SECRET-OFFER here', Message: 'bad offer SECRET-OFFER here', ...metadata });
    const classified = classifySdkError(error, context);
    assert.ok('upstream' in classified);
    assert.equal(classified.upstream.message, 'bad offer [redacted] here');
  });

  it('bounds the length of AWS messages', () => {
    assert.equal(scrubMessage('x'.repeat(2000), []).length, 515);
  });
});
