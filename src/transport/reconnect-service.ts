import type { ReconnectServiceServer } from '../gen/reconnect/v1/reconnect';
import type { ReconnectResult } from '../domain/reconnect';
import type { Logger } from '../logging/logger';
import { unaryHandler, type UnaryUseCase } from './unary-adapter';

export interface ReconnectServiceDependencies {
  readonly reconnect: UnaryUseCase<unknown, ReconnectResult>;
  readonly logger: Logger;
  readonly deadlineBudgetMs: number;
}

/** The grpc-js implementation of reconnect.v1.ReconnectService: one adapter per RPC, no logic of its own. */
export function reconnectServiceImplementation(dependencies: ReconnectServiceDependencies): ReconnectServiceServer {
  return {
    reconnectStreamSession: unaryHandler(
      dependencies.reconnect,
      (result: ReconnectResult) => ({ signalResponse: result.signalResponse }),
      {
        method: '/reconnect.v1.ReconnectService/ReconnectStreamSession',
        logger: dependencies.logger,
        deadlineBudgetMs: dependencies.deadlineBudgetMs,
      },
    ),
  };
}
