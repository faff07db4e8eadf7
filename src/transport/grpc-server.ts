import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import type { GrpcServerTuning } from '../config';
import { protobufPackage, type ReconnectServiceServer } from '../gen/reconnect/v1/reconnect';
import { StrictReconnectServiceService } from './reconnect-service';

/** The fully qualified name health and reflection know the service by. */
export const RECONNECT_SERVICE_NAME = `${protobufPackage}.ReconnectService`;

export interface GrpcServerOptions {
  /** Sized to the largest signal request we accept, so bigger messages are refused by grpc-js before decoding. */
  readonly maxMessageBytes: number;
  readonly tuning: GrpcServerTuning;
  /** Run around every call, from the network inwards (interceptors.ts). */
  readonly interceptors: ReadonlyArray<grpc.ServerInterceptor>;
}

/** The grpc-js channel options we set on purpose; every one of them comes from the configuration. */
export interface TunedServerOptions {
  readonly 'grpc.max_receive_message_length': number;
  readonly 'grpc.max_send_message_length': number;
  readonly 'grpc.keepalive_time_ms': number;
  readonly 'grpc.keepalive_timeout_ms': number;
  readonly 'grpc.max_connection_age_ms': number;
  readonly 'grpc.max_connection_age_grace_ms': number;
  readonly 'grpc.max_concurrent_streams': number;
}

/** Room for the identifiers, the client token and protobuf framing around the signal request. */
const MESSAGE_OVERHEAD_BYTES = 4096;

export function receiveLimitFor(maxSignalRequestBytes: number): number {
  return maxSignalRequestBytes + MESSAGE_OVERHEAD_BYTES;
}

export function tunedServerOptions(maxMessageBytes: number, tuning: GrpcServerTuning): TunedServerOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    // grpc-js sends messages of any size by default. The largest thing we send is AWS's WebRTC answer, which
    // mirrors the offer it answers, so the same bound holds and a runaway response fails here, not in a client.
    'grpc.max_send_message_length': maxMessageBytes,
    // Pings find connections that died without a FIN (a NAT or a load balancer dropping state) and free them.
    'grpc.keepalive_time_ms': tuning.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': tuning.keepaliveTimeoutMs,
    // A bounded connection age makes clients reconnect and re-resolve, so new replicas get their share of calls.
    'grpc.max_connection_age_ms': tuning.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': tuning.maxConnectionAgeGraceMs,
    // One connection cannot hold more calls than this at once, so a single client cannot take the whole server.
    'grpc.max_concurrent_streams': tuning.maxConcurrentStreams,
  };
}

/** A server with reconnect.v1.ReconnectService added; health and reflection are added by their own modules. */
export function createGrpcServer(implementation: ReconnectServiceServer, options: GrpcServerOptions): grpc.Server {
  const server = new grpc.Server({
    ...tunedServerOptions(options.maxMessageBytes, options.tuning),
    interceptors: [...options.interceptors],
  });
  // Bad request bytes become INVALID_ARGUMENT (not grpc-js's INTERNAL), and never reach a use case.
  server.addService(StrictReconnectServiceService, implementation);
  return server;
}

function formatAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Binds the port and resolves to the port actually bound (useful with port 0 in tests). */
export function bindServer(
  server: grpc.Server,
  host: string,
  port: number,
  credentials: grpc.ServerCredentials,
): TE.TaskEither<Error, number> {
  return () =>
    new Promise((resolve) => {
      server.bindAsync(formatAddress(host, port), credentials, (error, boundPort) => {
        resolve(error === null ? E.right(boundPort) : E.left(error));
      });
    });
}
