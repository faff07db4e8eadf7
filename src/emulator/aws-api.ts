import type { IncomingMessage, ServerResponse } from 'node:http';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { assertNever } from './assert-never';
import type { Clock } from './clock';
import type { FaultSpec, RecordedRequest } from './control-types';
import { type BodyReadResult, readBody } from './http-body';
import type { InFlightDelays } from './in-flight-delays';
import { describeJsonBodyProblem, type JsonObject, member, parseJsonObject } from './json-body';
import { type OperationName, successStatus } from './operations';
import type { RegionState } from './region-state';
import { type AwsRoute, labelText } from './router';
import {
  isModelledErrorName,
  type ModelledError,
  modelledHttpStatus,
  type ServiceError,
  throttled,
  UNMODELLED_ERROR_DEFAULT_STATUS,
  validationError,
} from './service-error';
import { sha256Hex } from './signal-answer';
import type { OperationSuccess, StreamSessionOperations } from './stream-session-operations';
import {
  decodeCreateStreamSessionConnection,
  decodeListStreamSessions,
  decodeListStreamSessionsByAccount,
  decodeSessionAddress,
  decodeStartStreamSession,
} from './validation';
import { sendEmpty, sendJson, sendServiceError } from './wire';

/** How one AWS call ended, for the request log line. Never holds a body. */
export type AwsOutcome =
  | { readonly kind: 'answered'; readonly httpStatus: number; readonly errorType: string | undefined }
  | { readonly kind: 'dropped'; readonly reason: 'fault' | 'client-gone' | 'closing' };

export interface AwsApiDependencies {
  readonly delays: InFlightDelays;
  readonly maxBodyBytes: number;
  readonly clock: Clock;
}

/** A body that cannot be read is a ValidationException for every operation: every one lists it. */
type ParsedBody = E.Either<ModelledError<'ValidationException'>, JsonObject>;

const answeredWith = (response: ServerResponse, error: ServiceError): AwsOutcome => {
  sendServiceError(response, error);
  return { kind: 'answered', httpStatus: error.httpStatus, errorType: error.errorType };
};

const parsedBodyOf = (body: Extract<BodyReadResult, { kind: 'complete' | 'too-large' }>): ParsedBody => {
  switch (body.kind) {
    case 'too-large':
      return E.left(validationError(`The request body exceeds the ${body.limitBytes}-byte limit.`));
    case 'complete':
      return pipe(
        parseJsonObject(body.text),
        E.mapLeft((problem) => validationError(describeJsonBodyProblem(problem))),
      );
    default:
      return assertNever(body);
  }
};

/** What the request log keeps: labels and ClientToken as received, the signal only as a hash. */
const recordOf = (route: AwsRoute, body: ParsedBody, atMs: number): RecordedRequest => {
  const fields = E.isRight(body) ? body.right : {};
  const clientToken = member(fields, 'ClientToken');
  const signalRequest = member(fields, 'SignalRequest');
  return {
    operation: route.operation,
    identifier: 'identifier' in route ? labelText(route.identifier) : undefined,
    streamSessionIdentifier: 'streamSessionIdentifier' in route ? labelText(route.streamSessionIdentifier) : undefined,
    clientToken: typeof clientToken === 'string' ? clientToken : undefined,
    signalRequestSha256: typeof signalRequest === 'string' ? sha256Hex(signalRequest) : undefined,
    at: new Date(atMs).toISOString(),
  };
};

/** Whether the client has closed the connection before its answer was written: an aborted call. */
interface ClientDeparture {
  readonly departed: Promise<'departed'>;
  hasDeparted(): boolean;
}

const watchDeparture = (response: ServerResponse): ClientDeparture => {
  let departed = false;
  const promise = new Promise<'departed'>((resolve) => {
    response.once('close', () => {
      if (!response.writableFinished) {
        departed = true;
        resolve('departed');
      }
    });
  });
  return { departed: promise, hasDeparted: () => departed };
};

const injectedError = (fault: Extract<FaultSpec, { kind: 'error' }>): ServiceError => ({
  errorType: fault.errorName,
  httpStatus:
    fault.httpStatus ??
    (isModelledErrorName(fault.errorName) ? modelledHttpStatus(fault.errorName) : UNMODELLED_ERROR_DEFAULT_STATUS),
  message: fault.message ?? `Injected ${fault.errorName} from the GameLift Streams emulator.`,
});

/**
 * The restJson1 pipeline for one routed call: count → read body → record → faults → throttle → validate →
 * operation → answer. Faults come before throttling and validation so a test can inject them into any call. A body
 * that is too large or not a JSON object is a ValidationException for every operation, even those without input
 * members in the body.
 */
export class AwsApi {
  constructor(private readonly deps: AwsApiDependencies) {}

  /** Serves one call in `state`, the region its credential scope named: each region counts, throttles and logs apart. */
  async serve(
    state: RegionState,
    route: AwsRoute,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<AwsOutcome> {
    const { operation } = route;
    state.counters.increment('calls', operation);
    const departure = watchDeparture(response);
    const abandon = (): AwsOutcome => {
      state.counters.increment('abandoned', operation);
      return { kind: 'dropped', reason: 'client-gone' };
    };
    const received = await readBody(request, this.deps.maxBodyBytes);
    if (received.kind === 'aborted') {
      return abandon();
    }
    const body = parsedBodyOf(received);
    state.requestLog.record(recordOf(route, body, this.deps.clock.nowMs()));

    const fault = state.faults.take(operation);
    if (fault !== undefined) {
      state.counters.increment('faultsApplied', operation);
      switch (fault.kind) {
        case 'error':
          return answeredWith(response, injectedError(fault));
        case 'http-status':
          return answeredWith(response, { errorType: undefined, httpStatus: fault.status, message: '' });
        case 'drop-connection':
          request.socket.destroy();
          return { kind: 'dropped', reason: 'fault' };
        case 'latency': {
          // A client that gives up while the call is held sees its connection close, and the call is not carried
          // out: what an aborted SDK call must look like from AWS's side.
          const waited = await Promise.race([this.deps.delays.wait(fault.ms), departure.departed]);
          if (waited === 'departed') {
            return abandon();
          }
          if (waited === 'cancelled') {
            request.socket.destroy();
            return { kind: 'dropped', reason: 'closing' };
          }
          break;
        }
        default:
          return assertNever(fault);
      }
    }

    if (departure.hasDeparted()) {
      return abandon();
    }
    if (!state.throttle.tryAcquire(operation)) {
      state.counters.increment('throttled', operation);
      return answeredWith(response, throttled(operation));
    }

    return pipe(
      this.perform(state.operations, route, body),
      E.match(
        (error) => answeredWith(response, error),
        (outcome) => {
          if (outcome.replayed) {
            state.counters.increment('idempotentReplays', operation);
          }
          return this.answer(response, operation, outcome);
        },
      ),
    );
  }

  /** Each case's errors are those of its operation (`OperationError`), which the operations' signatures enforce. */
  private perform(
    operations: StreamSessionOperations,
    route: AwsRoute,
    body: ParsedBody,
  ): E.Either<ModelledError, OperationSuccess> {
    switch (route.operation) {
      case 'StartStreamSession':
        return pipe(
          body,
          E.chainW((fields) => decodeStartStreamSession(route, fields)),
          E.chainW((input) => operations.startStreamSession(input)),
        );
      case 'ListStreamSessions':
        return pipe(
          body,
          E.chainW(() => decodeListStreamSessions(route)),
          E.chainW((input) => operations.listStreamSessions(input)),
        );
      case 'ListStreamSessionsByAccount':
        return pipe(
          body,
          E.chainW(() => decodeListStreamSessionsByAccount(route)),
          E.chainW((input) => operations.listStreamSessionsByAccount(input)),
        );
      case 'GetStreamSession':
        return pipe(
          body,
          E.chainW(() => decodeSessionAddress(route)),
          E.chainW((input) => operations.getStreamSession(input)),
        );
      case 'TerminateStreamSession':
        return pipe(
          body,
          E.chainW(() => decodeSessionAddress(route)),
          E.chainW((input) => operations.terminateStreamSession(input)),
        );
      case 'CreateStreamSessionConnection':
        return pipe(
          body,
          E.chainW((fields) => decodeCreateStreamSessionConnection(route, fields)),
          E.chainW((input) => operations.createStreamSessionConnection(input)),
        );
      default:
        return assertNever(route);
    }
  }

  private answer(response: ServerResponse, operation: OperationName, outcome: OperationSuccess): AwsOutcome {
    const httpStatus = successStatus(operation);
    if (outcome.body === undefined) {
      sendEmpty(response, httpStatus);
    } else {
      sendJson(response, httpStatus, outcome.body);
    }
    return { kind: 'answered', httpStatus, errorType: undefined };
  }
}
