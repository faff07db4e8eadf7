import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import {
  ReconnectServiceClient,
  type ReconnectStreamSessionRequest,
  type ReconnectStreamSessionResponse,
} from '../gen/reconnect/v1/reconnect';

/** A failed call as a value: the status code, its name and the server's message. */
export interface ReconnectCallError {
  readonly code: grpc.status;
  readonly codeName: string;
  readonly message: string;
  readonly metadata: grpc.Metadata;
}

export interface CallOptions {
  /** Milliseconds from now; the service also caps every call at its own budget. */
  readonly deadlineMs?: number;
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && 'code' in error && 'metadata' in error;
}

function toCallError(error: grpc.ServiceError | Error): ReconnectCallError {
  const code = isServiceError(error) ? error.code : grpc.status.UNKNOWN;
  return {
    code,
    codeName: grpc.status[code] ?? String(code),
    message: isServiceError(error) ? error.details : error.message,
    metadata: isServiceError(error) ? error.metadata : new grpc.Metadata(),
  };
}

/** A typed client for reconnect.v1.ReconnectService whose calls are TaskEithers that never reject. */
export class ReconnectClient {
  private readonly client: ReconnectServiceClient;

  constructor(address: string, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {
    this.client = new ReconnectServiceClient(address, credentials);
  }

  reconnectStreamSession(
    request: ReconnectStreamSessionRequest,
    options: CallOptions = {},
  ): TE.TaskEither<ReconnectCallError, ReconnectStreamSessionResponse> {
    return () =>
      new Promise((resolve) => {
        const callOptions: grpc.CallOptions =
          options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
        this.client.reconnectStreamSession(request, new grpc.Metadata(), callOptions, (error, response) => {
          resolve(error === null ? E.right(response) : E.left(toCallError(error)));
        });
      });
  }

  close(): void {
    this.client.close();
  }
}
