import {
  AccessDeniedException,
  ConflictException,
  CreateStreamSessionConnectionCommand,
  GameLiftStreamsClient,
  GameLiftStreamsServiceException,
  GetStreamSessionCommand,
  InternalServerException,
  ListStreamSessionsCommand,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-gameliftstreams';
import { StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from '@smithy/types';
import { UndiciHttpHandler } from '@smithy/undici-http-handler';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import type { UpstreamOperation } from '../domain/admission';
import { endedBy, type CallTiming } from '../domain/call-context';
import type { CallEnded, ReadFailure, SessionTarget, UpstreamAnswer, UpstreamFailure } from '../domain/outcomes';
import type {
  ConnectionAnswer,
  StreamSessionConnector,
  StreamSessionLister,
  StreamSessionPage,
  StreamSessionReader,
  StreamSessionRecord,
  StreamSessionSummary,
} from '../domain/ports';
import { targetOf } from '../domain/request';

/**
 * GameLift Streams through the AWS SDK, with its public API only: one client per served region, built at start-up and
 * reused by every call, each call made with `client.send(command, { abortSignal })`, bounded by the deadline budget,
 * and every failure classified into what GameLift Streams can cause.
 */

/** Told about every AWS call once it ends: what it was, how it ended (`Success` or a failure's tag), how long. */
export interface UpstreamObserver {
  observe(operation: UpstreamOperation, outcome: string, seconds: number): void;
}

/** Fixed credentials, for an endpoint that does not check signatures (the emulator). */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** How to reach GameLift Streams: the standard AWS chain, or an explicit endpoint (the emulator). */
export type UpstreamTarget =
  | { readonly _tag: 'Aws' }
  | { readonly _tag: 'Endpoint'; readonly endpoint: string; readonly credentials: StaticCredentials };

export interface UpstreamSettings {
  readonly regions: ReadonlyArray<string>;
  readonly target: UpstreamTarget;
  /** Keep-alive connections per region, sized to the concurrency expected so calls do not queue inside the SDK. */
  readonly maxSockets: number;
  /** SDK attempts per call; each attempt gets an equal share of the budget, so retries fit inside it. */
  readonly maxAttempts: number;
  /** The longest one AWS call may take from the moment it starts, SDK retries included. */
  readonly budgetMs: number;
}

/**
 * Error codes that mean the connection to AWS failed, or AWS's answer never arrived whole: Node's socket errors (the
 * SDK's own transient list) and undici's. The HTTP handler renames undici's failures before the answer's headers to
 * names the SDK retries, but a connection lost or stalled while the body is read reaches the SDK as undici left it.
 */
const TRANSPORT_FAILURE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The code of an error that is a transport failure, or undefined for any other value. */
export function transportFailureCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  return typeof code === 'string' && TRANSPORT_FAILURE_CODES.has(code) ? code : undefined;
}

/**
 * The SDK's standard retries (network errors, 5xx, InternalServerException), except for throttling: a throttled call
 * goes back through admission instead, so retries never bypass the rate we hold AWS to (a refused retry token makes
 * the SDK rethrow the ThrottlingException it got). A connection lost while the answer's body was read is retried too,
 * as a transient error: the SDK does not know undici's codes for it and would call it a client error. The retry
 * carries the same ClientToken, so AWS answers it idempotently if the first attempt did reach it.
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
    return this.standard.refreshRetryTokenForRetry(
      token,
      transient ? { ...errorInfo, errorType: 'TRANSIENT' } : errorInfo,
    );
  }

  recordSuccess(token: StandardRetryToken): void {
    this.standard.recordSuccess(token);
  }
}

/**
 * A client on AWS's undici-based HTTP handler, with documented options only. undici bounds each phase of a request on
 * its own, so an attempt's equal share of the budget is split between connecting and waiting for the answer, and an
 * attempt ends near its share so the SDK's retries fit in the budget; the call's own budget ends every call on time
 * regardless. Connecting gets a quarter of the share, but a second when the share allows (a new TLS connection to a
 * distant region takes hundreds of milliseconds), and never more than half.
 */
function createClient(region: string, settings: UpstreamSettings): GameLiftStreamsClient {
  const attemptMs = Math.max(2, Math.floor(settings.budgetMs / settings.maxAttempts));
  const connectMs = Math.min(Math.floor(attemptMs / 2), Math.max(Math.floor(attemptMs / 4), 1000));
  const requestHandler = new UndiciHttpHandler({
    dispatcher: {
      connections: settings.maxSockets,
      connectTimeout: connectMs,
      headersTimeout: attemptMs - connectMs,
      bodyTimeout: attemptMs - connectMs,
    },
  });
  const retryStrategy = new RetryAllButThrottling(settings.maxAttempts);
  const { target } = settings;
  switch (target._tag) {
    case 'Aws':
      // Endpoint and credentials come from the standard AWS configuration (AWS_ENDPOINT_URL_GAMELIFTSTREAMS, the
      // default credential chain, profiles); retries are ours, so that they fit the deadline budget.
      return new GameLiftStreamsClient({ region, requestHandler, retryStrategy });
    case 'Endpoint':
      return new GameLiftStreamsClient({
        region,
        endpoint: target.endpoint,
        credentials: target.credentials,
        requestHandler,
        retryStrategy,
      });
  }
}

const SDK_TIMEOUT_NAMES: ReadonlySet<string> = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** Gateway statuses that arrive without an AWS error type: AWS's front door, not the service, answered. */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
const MAX_UPSTREAM_MESSAGE_LENGTH = 512;

/** Removes any sensitive string AWS might echo and bounds the length, so the message is safe to return. */
export function scrubMessage(message: string, secrets: ReadonlyArray<string>): string {
  const scrubbed = secrets.reduce(
    (text, secret) => (secret.length > 0 ? text.split(secret).join('[redacted]') : text),
    message,
  );
  return scrubbed.length > MAX_UPSTREAM_MESSAGE_LENGTH
    ? `${scrubbed.slice(0, MAX_UPSTREAM_MESSAGE_LENGTH)}...`
    : scrubbed;
}

/**
 * Turns whatever the SDK rejected with (the call not aborted) into one UpstreamFailure. Total: every input has an
 * answer, so no exception leaves this module.
 */
export function classifySdkError(
  error: unknown,
  target: SessionTarget,
  secrets: ReadonlyArray<string>,
): UpstreamFailure {
  if (error instanceof GameLiftStreamsServiceException) {
    const upstream: UpstreamAnswer = {
      target,
      message: scrubMessage(error.message, secrets),
      requestId: error.$metadata.requestId,
    };
    if (error instanceof AccessDeniedException) return { _tag: 'UpstreamAccessDenied', upstream };
    if (error instanceof ConflictException) return { _tag: 'UpstreamConflict', upstream };
    if (error instanceof InternalServerException) return { _tag: 'UpstreamInternalServer', upstream };
    if (error instanceof ResourceNotFoundException) return { _tag: 'UpstreamResourceNotFound', upstream };
    if (error instanceof ThrottlingException) return { _tag: 'UpstreamThrottling', upstream };
    if (error instanceof ValidationException) return { _tag: 'UpstreamValidation', upstream };
    const httpStatus = error.$metadata.httpStatusCode;
    if (error.name === 'Unknown' && httpStatus !== undefined && GATEWAY_STATUSES.has(httpStatus)) {
      return { _tag: 'UpstreamUnreachable', target, reason: `HTTP ${httpStatus} without an AWS error` };
    }
    return {
      _tag: 'UpstreamUnmodelled',
      target,
      name: error.name,
      message: error.message === 'UnknownError' ? undefined : scrubMessage(error.message, secrets),
      requestId: error.$metadata.requestId,
      httpStatus,
    };
  }
  // The code first: the HTTP handler gives some transport failures a timeout's name (a reset, RequestTimeout).
  const code = transportFailureCode(error);
  if (code !== undefined) {
    return { _tag: 'UpstreamUnreachable', target, reason: code };
  }
  const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
  if (typeof name === 'string' && SDK_TIMEOUT_NAMES.has(name)) {
    return { _tag: 'UpstreamUnreachable', target, reason: name };
  }
  return { _tag: 'UpstreamClientMisconfigured', name: typeof name === 'string' ? name : 'UnknownFailure' };
}

/** GetStreamSession's model lists no ConflictException, so one is an error its model does not list. */
function asReadFailure(failure: UpstreamFailure): ReadFailure {
  return failure._tag === 'UpstreamConflict'
    ? {
        _tag: 'UpstreamUnmodelled',
        target: failure.upstream.target,
        name: 'ConflictException',
        message: failure.upstream.message,
        requestId: failure.upstream.requestId,
        httpStatus: 409,
      }
    : failure;
}

interface BoundedCall {
  readonly operation: UpstreamOperation;
  readonly target: SessionTarget;
  /** Strings that must never leave the process inside an AWS message. */
  readonly secrets: ReadonlyArray<string>;
}

/** The SDK clients of the served regions, and the ports over them. */
export class GameLiftStreams {
  private readonly clients: ReadonlyMap<string, GameLiftStreamsClient>;

  constructor(
    private readonly settings: UpstreamSettings,
    private readonly observer: UpstreamObserver,
  ) {
    this.clients = new Map(settings.regions.map((region) => [region, createClient(region, settings)]));
  }

  readonly connector: StreamSessionConnector = {
    createStreamSessionConnection: (command, timing) => {
      const target = targetOf(command);
      const request = new CreateStreamSessionConnectionCommand({
        Identifier: command.streamGroupIdentifier,
        StreamSessionIdentifier: command.streamSessionIdentifier,
        SignalRequest: command.signalRequest,
        ClientToken: command.clientToken,
      });
      // AWS may quote either in a message; the token would let a replay of the same offer get its answer.
      const secrets =
        command.clientToken === undefined ? [command.signalRequest] : [command.signalRequest, command.clientToken];
      return pipe(
        this.call(command.region, (client, abortSignal) => client.send(request, { abortSignal }), timing, {
          operation: 'CreateStreamSessionConnection',
          target,
          secrets,
        }),
        TE.flatMapEither((output): E.Either<UpstreamFailure, ConnectionAnswer> =>
          output.SignalResponse === undefined || output.SignalResponse.length === 0
            ? E.left({
                _tag: 'UpstreamUnmodelled',
                target,
                name: 'EmptySignalResponse',
                message: 'AWS answered without a SignalResponse',
                requestId: output.$metadata.requestId,
                httpStatus: output.$metadata.httpStatusCode,
              })
            : E.right({ signalResponse: output.SignalResponse, awsRequestId: output.$metadata.requestId }),
        ),
      );
    },
  };

  /** Keeps only what the matchmaker needs, never the signals. */
  readonly reader: StreamSessionReader = {
    getStreamSession: (reference, timing) => {
      const request = new GetStreamSessionCommand({
        Identifier: reference.streamGroupIdentifier,
        StreamSessionIdentifier: reference.streamSessionIdentifier,
      });
      return pipe(
        this.call(reference.region, (client, abortSignal) => client.send(request, { abortSignal }), timing, {
          operation: 'GetStreamSession',
          target: targetOf(reference),
          secrets: [],
        }),
        TE.mapLeft((failure) =>
          failure._tag === 'DeadlineExceeded' || failure._tag === 'Cancelled' ? failure : asReadFailure(failure),
        ),
        TE.map((output): StreamSessionRecord => ({
          arn: output.Arn,
          status: output.Status,
          statusReason: output.StatusReason,
          connectionTimeoutSeconds: output.ConnectionTimeoutSeconds,
          lastUpdatedAt: output.LastUpdatedAt,
          userId: output.UserId,
        })),
      );
    },
  };

  /** ListStreamSessions' largest page: the fewest calls per poll. */
  private static readonly LIST_PAGE_SIZE = 100;

  /** A page of summaries, without the sessions' players or roles, which the feed has no use for. */
  readonly lister: StreamSessionLister = {
    listStreamSessions: (group, status, nextToken, timing) => {
      const request = new ListStreamSessionsCommand({
        Identifier: group.streamGroupId,
        Status: status,
        NextToken: nextToken,
        MaxResults: GameLiftStreams.LIST_PAGE_SIZE,
      });
      return pipe(
        this.call(group.region, (client, abortSignal) => client.send(request, { abortSignal }), timing, {
          operation: 'ListStreamSessions',
          target: { streamGroupIdentifier: group.streamGroupId, streamSessionIdentifier: '' },
          secrets: [],
        }),
        TE.mapLeft((failure) =>
          failure._tag === 'DeadlineExceeded' || failure._tag === 'Cancelled' ? failure : asReadFailure(failure),
        ),
        TE.map((output): StreamSessionPage => ({
          sessions: (output.Items ?? []).flatMap((item): StreamSessionSummary[] =>
            item.Arn === undefined
              ? []
              : [
                  {
                    arn: item.Arn,
                    status: item.Status,
                    statusReason: item.StatusReason,
                    lastUpdatedAt: item.LastUpdatedAt,
                  },
                ],
          ),
          nextToken: output.NextToken === undefined || output.NextToken === '' ? undefined : output.NextToken,
        })),
      );
    },
  };

  /** Closes every client's connections. */
  destroy(): void {
    for (const client of this.clients.values()) {
      client.destroy();
    }
  }

  /**
   * One SDK call as a TaskEither: not made at all when the timing's signal has fired; aborted (the request to AWS
   * closed) when it fires or when the budget runs out; settled the moment either happens, even between two SDK
   * attempts; every failure classified.
   */
  private call<Output>(
    region: string,
    send: (client: GameLiftStreamsClient, abortSignal: AbortSignal) => Promise<Output>,
    timing: CallTiming,
    call: BoundedCall,
  ): TE.TaskEither<UpstreamFailure | CallEnded, Output> {
    return () => {
      const client = this.clients.get(region);
      if (client === undefined) {
        // Decoding admits only served regions, so this is a deployment mistake.
        return Promise.resolve(E.left({ _tag: 'UpstreamClientMisconfigured', name: `NoClientForRegion:${region}` }));
      }
      if (timing.signal.aborted) {
        return Promise.resolve(E.left(endedBy(timing.signal)));
      }
      const { budgetMs } = this.settings;
      const controller = new AbortController();
      const follow = (): void => controller.abort(timing.signal.reason);
      timing.signal.addEventListener('abort', follow, { once: true });
      const budgetTimer = setTimeout(
        () => controller.abort({ _tag: 'DeadlineExceeded', budgetMs } satisfies CallEnded),
        budgetMs,
      );
      const ended = new Promise<E.Either<CallEnded, never>>((resolve) =>
        controller.signal.addEventListener('abort', () => resolve(E.left(endedBy(controller.signal))), { once: true }),
      );
      const startedAt = performance.now();
      const answered = send(client, controller.signal).then(
        (output) => E.right(output),
        (error: unknown) =>
          E.left(
            controller.signal.aborted ? endedBy(controller.signal) : classifySdkError(error, call.target, call.secrets),
          ),
      );
      return Promise.race([answered, ended]).then((outcome) => {
        clearTimeout(budgetTimer);
        timing.signal.removeEventListener('abort', follow);
        this.observer.observe(
          call.operation,
          E.isRight(outcome) ? 'Success' : outcome.left._tag,
          (performance.now() - startedAt) / 1000,
        );
        return outcome;
      });
    };
  }
}
