import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import {
  type ClientAction,
  type CountersSnapshot,
  type FaultCreated,
  type FaultRequest,
  type RateSetting,
  type RecordedRequest,
  REGION_PARAMETER,
  type RetentionSetting,
  type SessionSummary,
  type StreamGroupSummary,
  type TransitionSetting,
} from './control-types';
import { isOperationName, type OperationName, perOperation } from './operations';
import {
  isStreamSessionStatus,
  isStreamSessionStatusReason,
  type StreamSessionStatus,
  type StreamSessionStatusReason,
} from './session-status';

/** Why a control call failed; `message` is always readable on its own. */
export type EmulatorControlError =
  /** No HTTP answer: the emulator is not running, not reachable, or did not answer in time. */
  | { readonly kind: 'unreachable'; readonly message: string }
  /** The emulator answered with an error status; `message` is its explanation. */
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string }
  /** The emulator answered successfully but not with the expected shape (a version mismatch). */
  | { readonly kind: 'unexpected-response'; readonly message: string };

export interface EmulatorControlOptions {
  /** Per-call time limit; default 5000 ms. */
  readonly timeoutMs?: number;
  /**
   * The emulated region every call acts on (sent as `?region=`). Default: the emulator's default region, and for
   * `reset()` every region.
   */
  readonly region?: string;
}

export interface ForcedStatusRequest {
  readonly status: StreamSessionStatus;
  readonly statusReason?: StreamSessionStatusReason;
}

export interface RecordedRequests {
  readonly requests: readonly RecordedRequest[];
}

const fromGuard = <A extends string>(name: string, guard: (value: unknown) => value is A): t.Type<A, A, unknown> =>
  new t.Type<A, A, unknown>(
    name,
    guard,
    (value, context) => (guard(value) ? t.success(value) : t.failure(value, context)),
    t.identity,
  );

const operationCodec = fromGuard('OperationName', isOperationName);
const statusCodec = fromGuard('StreamSessionStatus', isStreamSessionStatus);
const statusReasonCodec = fromGuard('StreamSessionStatusReason', isStreamSessionStatusReason);

const streamGroupCodec = t.type({ id: t.string, arn: t.string });
const sessionSummaryCodec = t.intersection([
  t.type({ id: t.string, arn: t.string, status: statusCodec }),
  t.partial({ statusReason: statusReasonCodec }),
]);
const transitionCodec = t.type({ delayMs: t.number });
const retentionCodec = t.type({ endedSessionRetentionMs: t.number });
const rateCodec = t.type({ operation: operationCodec, ratePerSecond: t.number, burst: t.number });
const faultCreatedCodec = t.type({ id: t.string });
const perOperationCount = t.type(perOperation(() => t.number));
const countersCodec = t.type({
  calls: perOperationCount,
  throttled: perOperationCount,
  faultsApplied: perOperationCount,
  idempotentReplays: perOperationCount,
  abandoned: perOperationCount,
});
const recordedRequestsCodec = t.type({
  requests: t.array(
    t.intersection([
      t.type({ operation: operationCodec, at: t.string }),
      t.partial({
        identifier: t.string,
        streamSessionIdentifier: t.string,
        clientToken: t.string,
        signalRequestSha256: t.string,
      }),
    ]),
  ),
});

const DEFAULT_TIMEOUT_MS = 5000;

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The message of a control-API error body `{"message": ...}`, else a generic one. */
const rejectionMessage = (status: number, text: string): string => {
  const parsed = parseJson(text);
  if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string') {
    return parsed.message;
  }
  return `the emulator answered HTTP ${status}`;
};

interface RawAnswer {
  readonly status: number;
  readonly text: string;
}

/** A typed client for the emulator's control API (`/_emulator/...`), over the global fetch. */
export class EmulatorControl {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly region: string | undefined;

  constructor(
    private readonly endpoint: string,
    options: EmulatorControlOptions = {},
  ) {
    this.baseUrl = `${endpoint.replace(/\/+$/, '')}/_emulator`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.region = options.region;
  }

  /** The same emulator, every call acting on `region`: its groups, sessions, rates, faults, counters and requests. */
  forRegion(region: string): EmulatorControl {
    return new EmulatorControl(this.endpoint, { timeoutMs: this.timeoutMs, region });
  }

  /**
   * Clears stream groups, sessions, faults, counters and recorded requests; restores start-up rates, delay, retention.
   * Acts on every region, or only on this client's region when it was given one.
   */
  reset(): TE.TaskEither<EmulatorControlError, void> {
    return this.callWithoutAnswer('POST', '/reset', undefined);
  }

  /** Creates an ACTIVE stream group (random id if none is given); an existing id is returned unchanged. */
  createStreamGroup(request: { readonly id?: string } = {}): TE.TaskEither<EmulatorControlError, StreamGroupSummary> {
    return this.call('POST', '/stream-groups', request, streamGroupCodec);
  }

  /** The player's client connects (ACTIVE → CONNECTED) or drops (CONNECTED → PENDING_CLIENT_RECONNECTION). */
  setClient(
    streamGroup: string,
    streamSession: string,
    action: ClientAction,
  ): TE.TaskEither<EmulatorControlError, SessionSummary> {
    return this.call(
      'POST',
      `${EmulatorControl.sessionPath(streamGroup, streamSession)}/client`,
      { action },
      sessionSummaryCodec,
    );
  }

  /** Puts a session in any status; transitional statuses stay until something else moves them. */
  forceStatus(
    streamGroup: string,
    streamSession: string,
    request: ForcedStatusRequest,
  ): TE.TaskEither<EmulatorControlError, SessionSummary> {
    return this.call(
      'PUT',
      `${EmulatorControl.sessionPath(streamGroup, streamSession)}/status`,
      request,
      sessionSummaryCodec,
    );
  }

  /** Delay of automatic transitions (ACTIVATING → ACTIVE, RECONNECTING → ACTIVE, TERMINATING → TERMINATED). */
  setTransitions(request: TransitionSetting): TE.TaskEither<EmulatorControlError, TransitionSetting> {
    return this.call('PUT', '/transitions', request, transitionCodec);
  }

  /** How long an ended session stays visible before it is forgotten (0: at once); applies to sessions already ended. */
  setRetention(request: RetentionSetting): TE.TaskEither<EmulatorControlError, RetentionSetting> {
    return this.call('PUT', '/retention', request, retentionCodec);
  }

  /** Replaces one operation's token bucket (starting full). */
  setRate(request: RateSetting): TE.TaskEither<EmulatorControlError, RateSetting> {
    return this.call('PUT', '/rates', request, rateCodec);
  }

  injectFault(request: FaultRequest): TE.TaskEither<EmulatorControlError, FaultCreated> {
    return this.call('POST', '/faults', request, faultCreatedCodec);
  }

  clearFaults(): TE.TaskEither<EmulatorControlError, void> {
    return this.callWithoutAnswer('DELETE', '/faults', undefined);
  }

  counters(): TE.TaskEither<EmulatorControlError, CountersSnapshot> {
    return this.call('GET', '/counters', undefined, countersCodec);
  }

  /** The last 1000 AWS requests as received, oldest first, optionally for one operation. */
  requests(operation?: OperationName): TE.TaskEither<EmulatorControlError, RecordedRequests> {
    return this.call(
      'GET',
      '/requests',
      undefined,
      recordedRequestsCodec,
      operation === undefined ? {} : { operation },
    );
  }

  private static sessionPath(streamGroup: string, streamSession: string): string {
    return `/stream-groups/${encodeURIComponent(streamGroup)}/stream-sessions/${encodeURIComponent(streamSession)}`;
  }

  private call<A>(
    method: string,
    path: string,
    body: object | undefined,
    codec: t.Decoder<unknown, A>,
    query: Readonly<Record<string, string>> = {},
  ): TE.TaskEither<EmulatorControlError, A> {
    return pipe(
      this.exchange(method, path, body, query),
      TE.chainEitherK(({ text }) =>
        pipe(
          codec.decode(parseJson(text)),
          E.mapLeft((errors): EmulatorControlError => ({
            kind: 'unexpected-response',
            message: `unexpected answer to ${method} ${path}: ${PathReporter.report(E.left(errors)).join('; ')}`,
          })),
        ),
      ),
    );
  }

  private callWithoutAnswer(
    method: string,
    path: string,
    body: object | undefined,
  ): TE.TaskEither<EmulatorControlError, void> {
    return pipe(
      this.exchange(method, path, body, {}),
      TE.map(() => undefined),
    );
  }

  /** The URL of a control path, with this client's region, if any, added to `query`. */
  private url(path: string, query: Readonly<Record<string, string>>): string {
    const parameters = new URLSearchParams(query);
    if (this.region !== undefined) {
      parameters.set(REGION_PARAMETER, this.region);
    }
    const search = parameters.toString();
    return `${this.baseUrl}${path}${search === '' ? '' : `?${search}`}`;
  }

  /** One HTTP exchange; any 2xx is a success, anything else an error value. */
  private exchange(
    method: string,
    path: string,
    body: object | undefined,
    query: Readonly<Record<string, string>>,
  ): TE.TaskEither<EmulatorControlError, RawAnswer> {
    return pipe(
      TE.tryCatch(
        async (): Promise<RawAnswer> => {
          const response = await fetch(this.url(path, query), {
            method,
            headers: body === undefined ? {} : { 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(this.timeoutMs),
          });
          return { status: response.status, text: await response.text() };
        },
        (cause): EmulatorControlError => ({
          kind: 'unreachable',
          message: `no answer from the emulator at ${this.baseUrl} to ${method} ${path}: ${describe(cause)}`,
        }),
      ),
      TE.chainEitherK((answer) =>
        answer.status >= 200 && answer.status < 300
          ? E.right(answer)
          : E.left<EmulatorControlError>({
              kind: 'rejected',
              status: answer.status,
              message: rejectionMessage(answer.status, answer.text),
            }),
      ),
    );
  }
}
