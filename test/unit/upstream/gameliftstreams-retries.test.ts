import { strict as assert } from 'node:assert';

import type { RetryErrorInfo, SdkError } from '@smithy/types';

import { RetryAllButThrottling } from '../../../src/upstream/gameliftstreams';

function sdkError(name: string, code?: string): SdkError {
  const error: SdkError = Object.assign(new Error(name), {
    name,
    cause: undefined,
    $metadata: { httpStatusCode: 200 },
  });
  return code === undefined ? error : Object.assign(error, { code });
}

/** Whether the strategy grants a retry for this error: a refused token is a rejected promise. */
async function retries(errorInfo: RetryErrorInfo): Promise<boolean> {
  const strategy = new RetryAllButThrottling(3);
  const token = await strategy.acquireInitialRetryToken('');
  return strategy.refreshRetryTokenForRetry(token, errorInfo).then(
    () => true,
    () => false,
  );
}

describe('RetryAllButThrottling', () => {
  it('retries a connection lost while the body was read, which the SDK calls a client error', async () => {
    for (const code of ['UND_ERR_SOCKET', 'UND_ERR_BODY_TIMEOUT', 'ECONNRESET']) {
      assert.equal(await retries({ errorType: 'CLIENT_ERROR', error: sdkError('SocketError', code) }), true, code);
    }
  });

  it('does not retry a client error that is not a transport failure', async () => {
    assert.equal(await retries({ errorType: 'CLIENT_ERROR', error: sdkError('ValidationException') }), false);
    assert.equal(
      await retries({ errorType: 'CLIENT_ERROR', error: sdkError('SocketError', 'UND_ERR_ABORTED') }),
      false,
    );
  });

  it('leaves throttling to admission and retries transient errors as the standard strategy does', async () => {
    assert.equal(await retries({ errorType: 'THROTTLING', error: sdkError('ThrottlingException') }), false);
    assert.equal(await retries({ errorType: 'TRANSIENT', error: sdkError('TimeoutError') }), true);
  });
});
