import * as grpc from '@grpc/grpc-js';

import { ReconnectServiceClient, type ReconnectStreamSessionRequest } from '../../src/gen/reconnect/v1/reconnect';

/** The answer of one call, kept small: the load loop needs success or the code's name, coalescing the answer. */
export type GrpcAnswer =
  { readonly ok: true; readonly signalResponse: string } | { readonly ok: false; readonly failure: string };

/**
 * The load driver's side of the wire: one grpc-js channel (one HTTP/2 connection, as a typical caller has) to a
 * ReconnectService at 127.0.0.1:<port>, the service or floor A. Raw generated client, no error-detail decoding,
 * so the driver spends as little of the shared CPU as it can.
 */
export class GrpcReconnectCaller {
  private readonly client: ReconnectServiceClient;

  constructor(port: number) {
    this.client = new ReconnectServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  /** Resolves when the channel is connected; rejects when it is not within `timeoutMs`. */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (error) => (error === undefined ? resolve() : reject(error)));
    });
  }

  reconnect(request: ReconnectStreamSessionRequest, deadlineMs: number): Promise<GrpcAnswer> {
    return new Promise((resolve) => {
      this.client.reconnectStreamSession(
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error, response) => {
          if (error === null) {
            resolve({ ok: true, signalResponse: response.signalResponse });
          } else {
            resolve({ ok: false, failure: grpc.status[error.code] ?? String(error.code) });
          }
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
