import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import type * as T from 'fp-ts/Task';
import type * as TE from 'fp-ts/TaskEither';

import {
  ReconnectServiceClient,
  type GetStreamSessionRequest,
  type GetStreamSessionResponse,
  type ReconnectStreamSessionRequest,
  type ReconnectStreamSessionResponse,
  type WatchStreamSessionsRequest,
  type WatchStreamSessionsResponse,
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

/** What a call that could not even start (bad metadata, a closed client) fails with: never a rejected promise. */
function notStarted(error: unknown): ReconnectCallError {
  return toCallError(error instanceof Error ? error : new Error(String(error)));
}

function grpcCallOptions(options: CallOptions): grpc.CallOptions {
  return options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
}

function cancelOnAbort(
  call: grpc.ClientUnaryCall | grpc.ClientReadableStream<unknown>,
  signal: AbortSignal | undefined,
): void {
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
  /**
   * grpc-js channel options, over this client's defaults (CLIENT_KEEPALIVE): for instance `grpc.service_config` with
   * `round_robin` to balance calls over a headless Service's pods (docs/deploy.md).
   */
  readonly channelOptions?: grpc.ChannelOptions;
}

/**
 * The channel pings the server when it has heard nothing for two minutes, and gives the connection up when a ping
 * goes unanswered for 20 s: a watch stream is silent for as long as no session drops, and without pings a server
 * that vanished without closing the connection (a node lost) would leave the watcher waiting forever. Two minutes
 * keeps clear of servers that refuse frequent pings on idle connections.
 */
export const CLIENT_KEEPALIVE: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 120_000,
  'grpc.keepalive_timeout_ms': 20_000,
};

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
    this.client = new ReconnectServiceClient(address, credentials, { ...CLIENT_KEEPALIVE, ...options.channelOptions });
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

  /**
   * Watches a stream group's disconnects: `onEvent` hears the snapshot, its end (SNAPSHOT_COMPLETE), then each change.
   * The stream runs until the server ends it or `options.signal` fires; the task resolves then, never rejects, with
   * the status the stream ended with (CANCELLED after the signal). After RESOURCE_EXHAUSTED or UNAVAILABLE,
   * subscribe again: the new snapshot covers what was missed. An `onEvent` that throws cancels the stream, and the task
   * resolves with CANCELLED and the exception's message.
   */
  watchStreamSessions(
    request: WatchStreamSessionsRequest,
    onEvent: (event: WatchStreamSessionsResponse) => void,
    options: CallOptions = {},
  ): T.Task<ReconnectCallError> {
    return () =>
      new Promise((resolve) => {
        let call: grpc.ClientReadableStream<WatchStreamSessionsResponse>;
        try {
          call = this.client.watchStreamSessions(request, this.metadata(), grpcCallOptions(options));
        } catch (error: unknown) {
          resolve(notStarted(error));
          return;
        }
        let handlerThrew = false;
        call.on('data', (event: WatchStreamSessionsResponse) => {
          // Messages grpc-js had already received still come after the cancel: the handler hears none of them.
          if (handlerThrew) return;
          try {
            onEvent(event);
          } catch (error: unknown) {
            handlerThrew = true;
            resolve({
              code: grpc.status.CANCELLED,
              codeName: 'CANCELLED',
              message: `the event handler threw: ${error instanceof Error ? error.message : String(error)}`,
              metadata: new grpc.Metadata(),
              details: decodeErrorDetails(new grpc.Metadata()),
            });
            call.cancel();
          }
        });
        // grpc-js emits 'error' for a status other than OK, and 'status' for every status; this service's streams
        // never end OK, but a stream that did would resolve with it.
        call.on('error', (error: grpc.ServiceError) => resolve(toCallError(error)));
        call.on('status', (status: grpc.StatusObject) => {
          if (status.code === grpc.status.OK) {
            resolve({
              ...status,
              codeName: 'OK',
              message: status.details,
              details: decodeErrorDetails(status.metadata),
            });
          }
        });
        cancelOnAbort(call, options.signal);
      });
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
        let call: grpc.ClientUnaryCall;
        try {
          call = start(this.metadata(), grpcCallOptions(options), (error, response) => {
            resolve(error === null ? E.right(response) : E.left(toCallError(error)));
          });
        } catch (error: unknown) {
          resolve(E.left(notStarted(error)));
          return;
        }
        cancelOnAbort(call, options.signal);
      });
  }

  close(): void {
    this.client.close();
  }
}
