import { strict as assert } from 'node:assert';

import { status } from '@grpc/grpc-js';

import type { ServiceFailure } from '../../../src/domain/outcomes';
import { ERROR_DOMAIN } from '../../../src/contract/error-details';
import { defectStatus, statusOf } from '../../../src/transport/outcome-status';
import { EVERY_FAILURE_TAG } from '../../support/failure-tags';

const target = { streamGroupIdentifier: 'sg-1AB2C3De4', streamSessionIdentifier: 'ABC123def4567' };
const upstream = { target, message: 'AWS says no', requestId: 'req-1234' };

/** One example of every variant with the code docs/contract.md promises for it. */
const rows: ReadonlyArray<[ServiceFailure, status]> = [
  [
    { _tag: 'InvalidRequest', violations: [{ field: 'signal_request', description: 'is required' }] },
    status.INVALID_ARGUMENT,
  ],
  [{ _tag: 'UpstreamValidation', upstream }, status.INVALID_ARGUMENT],
  [{ _tag: 'UpstreamAccessDenied', upstream }, status.PERMISSION_DENIED],
  [{ _tag: 'UpstreamResourceNotFound', upstream }, status.NOT_FOUND],
  [{ _tag: 'UpstreamConflict', upstream }, status.FAILED_PRECONDITION],
  [{ _tag: 'UpstreamThrottling', upstream }, status.RESOURCE_EXHAUSTED],
  [{ _tag: 'UpstreamInternalServer', upstream }, status.INTERNAL],
  [
    {
      _tag: 'UpstreamUnmodelled',
      target,
      name: 'ServiceUnavailableException',
      message: 'down',
      requestId: 'req-1234',
      httpStatus: 503,
    },
    status.UNKNOWN,
  ],
  [{ _tag: 'UpstreamUnreachable', target, reason: 'ECONNRESET' }, status.UNAVAILABLE],
  [{ _tag: 'UpstreamClientMisconfigured', name: 'CredentialsProviderError' }, status.INTERNAL],
  [{ _tag: 'ReconnectInProgress', target }, status.FAILED_PRECONDITION],
  [{ _tag: 'Unauthenticated', problem: 'MissingCredentials' }, status.UNAUTHENTICATED],
  [{ _tag: 'CallerNotAllowed', caller: 'matchmaker', target }, status.PERMISSION_DENIED],
  [{ _tag: 'NotSessionOwner', target }, status.PERMISSION_DENIED],
  [
    { _tag: 'AdmissionRefused', cause: 'DeadlineUnmeetable', retryAfterMs: 1500, ratePerSecond: 20 },
    status.RESOURCE_EXHAUSTED,
  ],
  [{ _tag: 'AdmissionRefused', cause: 'QueueFull', retryAfterMs: 1500, ratePerSecond: 20 }, status.RESOURCE_EXHAUSTED],
  [{ _tag: 'DeadlineExceeded', budgetMs: 10_000 }, status.DEADLINE_EXCEEDED],
  [{ _tag: 'Cancelled' }, status.CANCELLED],
  [{ _tag: 'TooManyWatchStreams', caller: 'lobby', limit: 32 }, status.RESOURCE_EXHAUSTED],
  [{ _tag: 'StreamGroupNotFound', streamGroupIdentifier: 'sg-1AB2C3De4' }, status.NOT_FOUND],
  [{ _tag: 'WatchPollAccessDenied', streamGroupIdentifier: 'sg-1AB2C3De4' }, status.PERMISSION_DENIED],
  [{ _tag: 'WatchPollsFailing', streamGroupIdentifier: 'sg-1AB2C3De4', detail: 'failing' }, status.UNAVAILABLE],
  [{ _tag: 'WatchFeedGap', streamGroupIdentifier: 'sg-1AB2C3De4' }, status.UNAVAILABLE],
  [{ _tag: 'ShuttingDown' }, status.UNAVAILABLE],
  [{ _tag: 'WatchFellBehind', bufferMessages: 1000 }, status.RESOURCE_EXHAUSTED],
];

describe('statusOf', () => {
  it('has a row for every ServiceFailure variant', () => {
    assert.deepEqual(new Set(rows.map(([error]) => error._tag)), EVERY_FAILURE_TAG);
  });

  for (const [error, code] of rows) {
    it(`maps ${error._tag} to ${status[code]}`, () => {
      const report = statusOf(error);
      assert.equal(report.code, code);
      assert.ok(report.message.length > 20, 'the message should explain the failure');
      assert.equal(report.details.errorInfo.domain, ERROR_DOMAIN, 'every status carries an ErrorInfo');
      assert.match(report.details.errorInfo.reason, /^[A-Z][A-Z0-9_]{0,62}$/);
    });
  }

  it('answers a defect INTERNAL with a generic message and the id it was logged under', () => {
    const report = defectStatus('defect-id-1');
    assert.equal(report.code, status.INTERNAL);
    assert.equal(report.message, 'internal error in the reconnect service; it has been logged');
    assert.equal(report.details.errorInfo.reason, 'INTERNAL_ERROR');
    assert.equal(report.details.requestInfo?.requestId, 'defect-id-1');
  });

  it('includes the AWS request id and error name for modelled AWS errors', () => {
    const report = statusOf({ _tag: 'UpstreamConflict', upstream });
    assert.match(report.message, /ConflictException: AWS says no; AWS request id req-1234/);
    assert.match(report.message, /ABC123def4567/);
  });

  it('keeps an unmodelled error name, status and message', () => {
    const report = statusOf(rows[7]?.[0] ?? { _tag: 'Cancelled' });
    assert.match(report.message, /ServiceUnavailableException, HTTP 503: down; AWS request id req-1234/);
  });

  it('names every violating field for our own validation', () => {
    const report = statusOf({
      _tag: 'InvalidRequest',
      violations: [
        { field: 'stream_group_identifier', description: 'is required' },
        { field: 'client_token', description: 'must be 32 to 128 characters, but has 5' },
      ],
    });
    assert.equal(
      report.message,
      'invalid request: stream_group_identifier is required; client_token must be 32 to 128 characters, but has 5',
    );
  });

  it('does not reveal the SDK failure behind a misconfiguration', () => {
    const report = statusOf({ _tag: 'UpstreamClientMisconfigured', name: 'CredentialsProviderError' });
    assert.doesNotMatch(report.message, /Credentials/);
  });
});
