import { StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from '@smithy/types';

import { transportFailureCode } from './transport-failure';

/**
 * The SDK's standard retries (network errors, 5xx, InternalServerException), except for throttling: a throttled
 * call goes back through our admission queue instead, so retries never bypass the rate we hold AWS to. A refused
 * retry token makes the SDK rethrow the ThrottlingException it got.
 *
 * A connection lost while the answer's body was read is retried too, as a transient error: the SDK does not know
 * undici's codes for it and would call it a client error. The retry carries the same ClientToken, so AWS answers
 * it idempotently if the first attempt did reach it.
 */
export class RetryAllButThrottling implements RetryStrategyV2 {
  private readonly standard: StandardRetryStrategy;

  constructor(maxAttempts: number) {
    this.standard = new StandardRetryStrategy(maxAttempts);
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<StandardRetryToken> {
    return this.standard.acquireInitialRetryToken(retryTokenScope);
  }

  refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<StandardRetryToken> {
    if (errorInfo.errorType === 'THROTTLING') {
      return Promise.reject(new Error('throttled calls are retried through admission, not by the SDK'));
    }
    const transient = errorInfo.errorType === 'CLIENT_ERROR' && transportFailureCode(errorInfo.error) !== undefined;
    return this.standard.refreshRetryTokenForRetry(token, transient ? { ...errorInfo, errorType: 'TRANSIENT' } : errorInfo);
  }

  recordSuccess(token: StandardRetryToken): void {
    this.standard.recordSuccess(token);
  }
}
