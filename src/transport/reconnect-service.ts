import type { Metadata } from '@grpc/grpc-js';

import type { Caller } from '../domain/caller';
import type { StreamSessionReport } from '../domain/get-stream-session';
import type { ReconnectResult } from '../domain/reconnect';
import type { ReconnectServiceServer } from '../gen/reconnect/v1/reconnect';
import type { Logger } from '../logging/logger';
import { toGetStreamSessionResponse } from './stream-session-response';
import { unaryHandler, type UnaryUseCase } from './unary-adapter';

export interface ReconnectServiceDependencies {
  readonly reconnect: UnaryUseCase<unknown, ReconnectResult>;
  readonly getStreamSession: UnaryUseCase<unknown, StreamSessionReport>;
  readonly logger: Logger;
  readonly deadlineBudgetMs: number;
  readonly resolveCaller: (metadata: Metadata) => Caller | undefined;
}

const SERVICE_PATH = '/reconnect.v1.ReconnectService';

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
      dependencies.reconnect,
      (result: ReconnectResult) => ({ signalResponse: result.signalResponse }),
      options('ReconnectStreamSession'),
    ),
    getStreamSession: unaryHandler(dependencies.getStreamSession, toGetStreamSessionResponse, options('GetStreamSession')),
  };
}
