import type { Metadata } from '@grpc/grpc-js';
import * as TE from 'fp-ts/TaskEither';

import type { Caller } from '../domain/caller';
import type { StreamSessionReport } from '../domain/get-stream-session';
import type { ReconnectResult } from '../domain/reconnect';
import { invalidRequest } from '../domain/reconnect-error';
import type { ReconnectServiceServer } from '../gen/reconnect/v1/reconnect';
import type { Logger } from '../logging/logger';
import { toGetStreamSessionResponse } from './stream-session-response';
import { isUndecodableRequest } from './strict-request-decoding';
import { unaryHandler, type UnaryUseCase } from './unary-adapter';

export interface ReconnectServiceDependencies {
  readonly reconnect: UnaryUseCase<unknown, ReconnectResult>;
  readonly getStreamSession: UnaryUseCase<unknown, StreamSessionReport>;
  readonly logger: Logger;
  readonly deadlineBudgetMs: number;
  readonly resolveCaller: (metadata: Metadata) => Caller | undefined;
  /** Told about every successful reconnect (metrics: coalescing, admission wait). */
  readonly observeReconnect: (result: ReconnectResult) => void;
}

const SERVICE_PATH = '/reconnect.v1.ReconnectService';

/** A message the strict deserializer could not decode is an invalid request: no use case runs for it. */
function refusingUndecodable<Result>(useCase: UnaryUseCase<unknown, Result>): UnaryUseCase<unknown, Result> {
  return (request, context) => (isUndecodableRequest(request) ? TE.left(invalidRequest(request.violations)) : useCase(request, context));
}

/** The grpc-js implementation of reconnect.v1.ReconnectService: one adapter per RPC, no logic of its own. */
export function reconnectServiceImplementation(dependencies: ReconnectServiceDependencies): ReconnectServiceServer {
  const options = (method: string) => ({
    method: `${SERVICE_PATH}/${method}`,
    logger: dependencies.logger,
    deadlineBudgetMs: dependencies.deadlineBudgetMs,
    resolveCaller: dependencies.resolveCaller,
  });
  return {
    reconnectStreamSession: unaryHandler(
      refusingUndecodable(dependencies.reconnect),
      (result: ReconnectResult) => ({ signalResponse: result.signalResponse }),
      options('ReconnectStreamSession'),
      {
        describe: (result) => ({
          awsRequestId: result.awsRequestId,
          coalesced: result.coalesced,
          admissionWaitMs: Math.round(result.admissionWaitMs),
        }),
        observe: dependencies.observeReconnect,
      },
    ),
    getStreamSession: unaryHandler(
      refusingUndecodable(dependencies.getStreamSession),
      toGetStreamSessionResponse,
      options('GetStreamSession'),
      { describe: () => ({}), observe: () => undefined },
    ),
  };
}
