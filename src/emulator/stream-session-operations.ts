import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { type AccountScope, applicationArn, streamSessionArn } from './arn';
import { assertNever } from './assert-never';
import { IdempotencyLedger } from './idempotency';
import { newStreamSessionId } from './ids';
import type { SessionLifecycle, TransitionRefused } from './lifecycle';
import type { OperationName } from './operations';
import { encodeNextToken, pageOf } from './pagination';
import type { OperationError } from './operation-errors';
import { conflict, type ModelledError, resourceNotFound, type ServiceError, validationError } from './service-error';
import { emulatorSignalResponse, NO_CLIENT_CONNECTION, sha256Hex } from './signal-answer';
import type { EmulatorStore } from './store';
import {
  type DisplayConfiguration,
  noTimers,
  type PerformanceStatsConfiguration,
  type StreamGroup,
  type StreamSession,
} from './stream-session';
import type {
  CreateStreamSessionConnectionInput,
  ListStreamSessionsInput,
  SessionAddress,
  SessionListQuery,
  StartStreamSessionInput,
} from './validation';

/** What a successful operation answers: a JSON body, or nothing (204); replays are counted by the caller. */
export interface OperationSuccess {
  readonly body: object | undefined;
  readonly replayed: boolean;
}

/** restJson1's default timestamp format is epoch seconds. */
const epochSeconds = (ms: number): number => ms / 1000;

const performanceStatsConfigurationShape = (
  configuration: PerformanceStatsConfiguration | undefined,
): object | undefined =>
  configuration === undefined ? undefined : { SharedWithClient: configuration.sharedWithClient };

const displayConfigurationShape = (configuration: DisplayConfiguration | undefined): object | undefined => {
  if (configuration === undefined) {
    return undefined;
  }
  const { resolution } = configuration;
  return { Resolution: resolution === undefined ? undefined : { Width: resolution.width, Height: resolution.height } };
};

/**
 * The StartStreamSession / GetStreamSession output shape. Optional structures are returned as they were given; what
 * AWS returns for one that was left out (DisplayConfiguration's documented default of 1920 × 1080, say) is unknown.
 */
export const streamSessionDescription = (session: StreamSession): object => ({
  Arn: session.arn,
  Description: session.description,
  StreamGroupId: session.streamGroupId,
  UserId: session.userId,
  Status: session.status,
  StatusReason: session.statusReason,
  Protocol: session.protocol,
  Location: session.location,
  SignalResponse: session.initialSignalResponse,
  ConnectionTimeoutSeconds: session.connectionTimeoutSeconds,
  SessionLengthSeconds: session.sessionLengthSeconds,
  AdditionalLaunchArgs: session.additionalLaunchArgs,
  AdditionalEnvironmentVariables: session.additionalEnvironmentVariables,
  PerformanceStatsConfiguration: performanceStatsConfigurationShape(session.performanceStatsConfiguration),
  LastUpdatedAt: epochSeconds(session.lastUpdatedAtMs),
  CreatedAt: epochSeconds(session.createdAtMs),
  ApplicationArn: session.applicationArn,
  RoleArn: session.roleArn,
  DisplayConfiguration: displayConfigurationShape(session.displayConfiguration),
});

/** The `StreamSessionSummary` shape used by ListStreamSessions. */
const streamSessionSummary = (session: StreamSession): object => ({
  Arn: session.arn,
  UserId: session.userId,
  Status: session.status,
  StatusReason: session.statusReason,
  Protocol: session.protocol,
  LastUpdatedAt: epochSeconds(session.lastUpdatedAtMs),
  CreatedAt: epochSeconds(session.createdAtMs),
  ApplicationArn: session.applicationArn,
  Location: session.location,
  RoleArn: session.roleArn,
});

/** One page of a list operation's answer, out of sessions in creation order. */
const listPage = (sessions: readonly StreamSession[], query: SessionListQuery): object => {
  const matching = sessions.filter(
    (session) =>
      (query.status === undefined || session.status === query.status) &&
      // Emulated sessions never export files, so any ExportFilesStatus filter matches none.
      query.exportFilesStatus === undefined,
  );
  const page = pageOf(matching, query.from, query.maxResults);
  return {
    Items: page.items.map(streamSessionSummary),
    NextToken: page.next === undefined ? undefined : encodeNextToken(page.next),
  };
};

/** The parameters that must match for a ClientToken replay; only their hash is kept, so no signal or RoleArn is. */
const startFingerprint = (input: StartStreamSessionInput, groupId: string): string =>
  sha256Hex(
    JSON.stringify([
      groupId,
      input.protocol,
      sha256Hex(input.signalRequest),
      input.applicationIdentifier,
      input.description ?? null,
      input.userId ?? null,
      input.locations ?? null,
      input.connectionTimeoutSeconds,
      input.sessionLengthSeconds,
      input.additionalLaunchArgs ?? null,
      input.additionalEnvironmentVariables ?? null,
      input.performanceStatsConfiguration ?? null,
      input.roleArn ?? null,
      input.displayConfiguration ?? null,
    ]),
  );

const connectionFingerprint = (session: StreamSession, signalRequest: string): string =>
  sha256Hex(JSON.stringify([session.arn, sha256Hex(signalRequest)]));

const idempotencyMismatch = (operation: string): ModelledError<'ValidationException'> =>
  validationError(
    `ClientToken was already used for a ${operation} call with different parameters ` +
      '(idempotent parameter mismatch); use a new ClientToken for a new request.',
  );

const asConflict = (refused: TransitionRefused): ModelledError<'ConflictException'> => conflict(refused.message);

/**
 * TerminateStreamSession of an ACTIVATING session. The model says only that "an exception is thrown", and its
 * error list has no ConflictException; ValidationException is the one listed error that fits a request the session's
 * state makes invalid (see the README).
 */
const asInvalidTermination = (refused: TransitionRefused): ModelledError<'ValidationException'> =>
  validationError(`${refused.message} Terminate it once it has left ACTIVATING.`);

interface IdempotencyScope {
  readonly ledger: IdempotencyLedger<object>;
  readonly operation: Extract<OperationName, 'StartStreamSession' | 'CreateStreamSessionConnection'>;
  readonly group: StreamGroup;
  readonly clientToken: string | undefined;
}

const success = (body: object | undefined): OperationSuccess => ({ body, replayed: false });

/** The operations over the store and the lifecycle; every outcome is a value. */
export class StreamSessionOperations {
  private readonly startLedger = new IdempotencyLedger<object>();
  private readonly connectionLedger = new IdempotencyLedger<object>();

  constructor(
    private readonly scope: AccountScope,
    private readonly store: EmulatorStore,
    private readonly lifecycle: SessionLifecycle,
    private readonly now: () => number,
  ) {}

  startStreamSession(input: StartStreamSessionInput): E.Either<OperationError<'StartStreamSession'>, OperationSuccess> {
    return pipe(
      this.streamGroup(input.identifier),
      E.chainW((group) =>
        this.idempotently(
          { ledger: this.startLedger, operation: 'StartStreamSession', group, clientToken: input.clientToken },
          startFingerprint(input, group.id),
          () => this.createSession(group, input),
        ),
      ),
    );
  }

  getStreamSession(input: SessionAddress): E.Either<OperationError<'GetStreamSession'>, OperationSuccess> {
    return pipe(
      this.streamSession(input),
      E.map(({ session }) => success(streamSessionDescription(session))),
    );
  }

  listStreamSessions(input: ListStreamSessionsInput): E.Either<OperationError<'ListStreamSessions'>, OperationSuccess> {
    return pipe(
      this.streamGroup(input.identifier),
      E.map((group) => success(listPage(this.store.sessionsOf(group), input))),
    );
  }

  /** Every group of the emulated account: the account is the only one there is. */
  listStreamSessionsByAccount(
    input: SessionListQuery,
  ): E.Either<OperationError<'ListStreamSessionsByAccount'>, OperationSuccess> {
    return E.right(success(listPage(this.store.allSessions(), input)));
  }

  terminateStreamSession(input: SessionAddress): E.Either<OperationError<'TerminateStreamSession'>, OperationSuccess> {
    return pipe(
      this.streamSession(input),
      E.chainW(({ session }) => pipe(this.lifecycle.terminate(session), E.mapLeft(asInvalidTermination))),
      E.map(() => success(undefined)),
    );
  }

  createStreamSessionConnection(
    input: CreateStreamSessionConnectionInput,
  ): E.Either<OperationError<'CreateStreamSessionConnection'>, OperationSuccess> {
    return pipe(
      this.streamSession(input),
      E.chainW(({ group, session }) =>
        this.idempotently(
          {
            ledger: this.connectionLedger,
            operation: 'CreateStreamSessionConnection',
            group,
            clientToken: input.clientToken,
          },
          connectionFingerprint(session, input.signalRequest),
          () => this.reconnect(session, input.signalRequest),
        ),
      ),
    );
  }

  reset(): void {
    this.startLedger.clear();
    this.connectionLedger.clear();
  }

  /** Runs `perform` once per (group, ClientToken); a retry with the same parameters gets the first result back. */
  private idempotently<Failure extends ServiceError>(
    scope: IdempotencyScope,
    fingerprint: string,
    perform: () => E.Either<Failure, OperationSuccess>,
  ): E.Either<Failure | ModelledError<'ValidationException'>, OperationSuccess> {
    const { ledger, group, clientToken } = scope;
    if (clientToken === undefined) {
      return perform();
    }
    const known = ledger.lookup(group.id, clientToken, fingerprint);
    switch (known.kind) {
      case 'replay':
        return E.right({ body: known.result, replayed: true });
      case 'mismatch':
        return E.left(idempotencyMismatch(scope.operation));
      case 'new':
        return pipe(
          perform(),
          E.map((performed) => {
            if (performed.body !== undefined) {
              ledger.remember(group.id, clientToken, fingerprint, performed.body);
            }
            return performed;
          }),
        );
      default:
        return assertNever(known);
    }
  }

  private reconnect(
    session: StreamSession,
    signalRequest: string,
  ): E.Either<ModelledError<'ConflictException'>, OperationSuccess> {
    return pipe(
      this.lifecycle.reconnect(session),
      E.mapLeft(asConflict),
      E.map(() => success({ SignalResponse: emulatorSignalResponse(signalRequest) })),
    );
  }

  private createSession(
    group: StreamGroup,
    input: StartStreamSessionInput,
  ): E.Either<ModelledError<'ConflictException'>, OperationSuccess> {
    const id = newStreamSessionId();
    const createdAtMs = this.now();
    const session: StreamSession = {
      id,
      arn: streamSessionArn(this.scope, group.id, id),
      streamGroupId: group.id,
      sequence: this.store.nextSequence(),
      location: input.locations?.[0] ?? this.scope.region,
      protocol: input.protocol,
      applicationArn: applicationArn(this.scope, input.applicationIdentifier),
      description: input.description,
      userId: input.userId,
      connectionTimeoutSeconds: input.connectionTimeoutSeconds,
      sessionLengthSeconds: input.sessionLengthSeconds,
      additionalLaunchArgs: input.additionalLaunchArgs,
      additionalEnvironmentVariables: input.additionalEnvironmentVariables,
      performanceStatsConfiguration: input.performanceStatsConfiguration,
      roleArn: input.roleArn,
      displayConfiguration: input.displayConfiguration,
      createdAtMs,
      // A session started without a client has no offer to answer.
      initialSignalResponse:
        input.signalRequest === NO_CLIENT_CONNECTION ? undefined : emulatorSignalResponse(input.signalRequest),
      status: 'ACTIVATING',
      statusReason: undefined,
      lastUpdatedAtMs: createdAtMs,
      reconnections: 0,
      timers: noTimers(),
    };
    return pipe(
      this.store.addSession(group, session),
      E.map((added) => {
        // The answer reports ACTIVATING, as AWS does; the lifecycle may already have moved on when it is sent.
        const body = streamSessionDescription(added);
        this.lifecycle.activate(added);
        return success(body);
      }),
    );
  }

  private streamGroup(identifier: string): E.Either<ModelledError<'ResourceNotFoundException'>, StreamGroup> {
    const group = this.store.findStreamGroup(identifier);
    return group === undefined ? E.left(resourceNotFound(`Stream group ${identifier} was not found.`)) : E.right(group);
  }

  private streamSession(
    address: SessionAddress,
  ): E.Either<
    ModelledError<'ResourceNotFoundException'>,
    { readonly group: StreamGroup; readonly session: StreamSession }
  > {
    return pipe(
      this.streamGroup(address.identifier),
      E.chain((group) => {
        const session = this.store.findStreamSession(group, address.streamSessionIdentifier);
        return session === undefined
          ? E.left(
              resourceNotFound(
                `Stream session ${address.streamSessionIdentifier} was not found in stream group ${group.id}.`,
              ),
            )
          : E.right({ group, session });
      }),
    );
  }
}
