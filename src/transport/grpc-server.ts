import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import { ReconnectServiceService, type ReconnectServiceServer } from '../gen/reconnect/v1/reconnect';

export interface GrpcServerOptions {
  /** Sized to the largest signal request we accept, so bigger messages are refused by grpc-js before decoding. */
  readonly maxReceiveMessageBytes: number;
}

/** Room for the identifiers, the client token and protobuf framing around the signal request. */
const MESSAGE_OVERHEAD_BYTES = 4096;

export function receiveLimitFor(maxSignalRequestBytes: number): number {
  return maxSignalRequestBytes + MESSAGE_OVERHEAD_BYTES;
}

export function createGrpcServer(implementation: ReconnectServiceServer, options: GrpcServerOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
    'grpc.max_send_message_length': options.maxReceiveMessageBytes,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.max_connection_age_ms': 30 * 60_000,
    'grpc.max_connection_age_grace_ms': 30_000,
  });
  server.addService(ReconnectServiceService, implementation);
  return server;
}

function formatAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Binds the port and resolves to the port actually bound (useful with port 0 in tests). */
export function bindServer(server: grpc.Server, host: string, port: number): TE.TaskEither<Error, number> {
  return () =>
    new Promise((resolve) => {
      server.bindAsync(formatAddress(host, port), grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
        resolve(error === null ? E.right(boundPort) : E.left(error));
      });
    });
}

/** Lets calls in flight finish for up to graceMs, then cancels the rest; resolves when the server is down. */
export function shutdownServer(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    force.unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
