import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import {
  ReconnectServiceClient,
  type GetStreamSessionRequest,
  type GetStreamSessionResponse,
  type ReconnectStreamSessionRequest,
  type ReconnectStreamSessionResponse,
} from '../gen/reconnect/v1/reconnect';
import { decodeErrorDetails, type DecodedErrorDetails } from '../contract/error-details';

/** A failed call as a value: the status code, its name, the server's message and its google.rpc error details. */
export interface ReconnectCallError {
  readonly code: grpc.status;
  readonly codeName: string;
  readonly message: string;
  readonly metadata: grpc.Metadata;
  /** Decoded from the grpc-status-details-bin trailer; empty when the status came without one. */
  readonly details: DecodedErrorDetails;
}

export interface CallOptions {
  /** Milliseconds from now; the service also caps every call at its own budget. */
  readonly deadlineMs?: number;
  /** Cancels the call when it fires; the service then aborts its upstream call (unless a twin still waits). */
  readonly signal?: AbortSignal;
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && 'code' in error && 'metadata' in error;
}

function toCallError(error: grpc.ServiceError | Error): ReconnectCallError {
  const code = isServiceError(error) ? error.code : grpc.status.UNKNOWN;
  const metadata = isServiceError(error) ? error.metadata : new grpc.Metadata();
  return {
    code,
    codeName: grpc.status[code] ?? String(code),
    message: isServiceError(error) ? error.details : error.message,
    metadata,
    details: decodeErrorDetails(metadata),
  };
}

function grpcCallOptions(options: CallOptions): grpc.CallOptions {
  return options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
}

function cancelOnAbort(call: grpc.ClientUnaryCall, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (signal.aborted) {
    call.cancel();
    return;
  }
  const cancel = (): void => call.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  call.on('status', () => signal.removeEventListener('abort', cancel));
}

export interface ReconnectClientOptions {
  /**
   * The metadata sent with each call, made afresh for every call: typically the caller's credential,
   * `bearerMetadata(token)`. Without it, calls carry no metadata of their own.
   */
  readonly metadata?: () => grpc.Metadata;
}

/** `authorization: Bearer <token>`, the credential the service checks against its callers file. */
export function bearerMetadata(token: string): () => grpc.Metadata {
  return () => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    return metadata;
  };
}

/** A typed client for reconnect.v1.ReconnectService whose calls are TaskEithers that never reject. */
export class ReconnectClient {
  private readonly client: ReconnectServiceClient;
  private readonly metadata: () => grpc.Metadata;

  /**
   * `credentials` are the channel's (plaintext by default; `grpc.credentials.createSsl(...)` for TLS and mutual
   * TLS); `options.metadata` adds per-call metadata such as a bearer token.
   */
  constructor(
    address: string,
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    options: ReconnectClientOptions = {},
  ) {
    this.client = new ReconnectServiceClient(address, credentials);
    this.metadata = options.metadata ?? (() => new grpc.Metadata());
  }

  reconnectStreamSession(
    request: ReconnectStreamSessionRequest,
    options: CallOptions = {},
  ): TE.TaskEither<ReconnectCallError, ReconnectStreamSessionResponse> {
    return this.unary(
      (metadata, callOptions, callback) => this.client.reconnectStreamSession(request, metadata, callOptions, callback),
      options,
    );
  }

  getStreamSession(
    request: GetStreamSessionRequest,
    options: CallOptions = {},
  ): TE.TaskEither<ReconnectCallError, GetStreamSessionResponse> {
    return this.unary(
      (metadata, callOptions, callback) => this.client.getStreamSession(request, metadata, callOptions, callback),
      options,
    );
  }

  /** One unary call as a TaskEither that never rejects, with this client's metadata, a deadline and cancellation. */
  private unary<Response>(
    start: (
      metadata: grpc.Metadata,
      callOptions: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, response: Response) => void,
    ) => grpc.ClientUnaryCall,
    options: CallOptions,
  ): TE.TaskEither<ReconnectCallError, Response> {
    return () =>
      new Promise((resolve) => {
        const call = start(this.metadata(), grpcCallOptions(options), (error, response) => {
          resolve(error === null ? E.right(response) : E.left(toCallError(error)));
        });
        cancelOnAbort(call, options.signal);
      });
  }

  close(): void {
    this.client.close();
  }
}
