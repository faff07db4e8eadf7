import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import { service as healthService } from 'grpc-health-check';

import { ConditionWaiters } from './condition-waiters';

/** A failed call as a value. */
export interface CallFailure {
  readonly code: grpc.status;
  readonly details: string;
}

/** The library loads the proto with enums as strings, so a status reads 'SERVING', 'NOT_SERVING', ... */
function statusOf(response: object): string {
  return 'status' in response && typeof response.status === 'string'
    ? response.status
    : `unexpected ${JSON.stringify(response)}`;
}

/** Records one Watch stream: every status it delivers, then how it ended. */
export class WatchRecording {
  readonly statuses: string[] = [];
  private ending: grpc.StatusObject | undefined;
  private readonly waiters = new ConditionWaiters();

  constructor(private readonly stream: grpc.ClientReadableStream<object>) {
    stream.on('data', (response: object) => {
      this.statuses.push(statusOf(response));
      this.waiters.changed();
    });
    stream.on('status', (status: grpc.StatusObject) => {
      this.ending = status;
      this.waiters.changed();
    });
    // The same ending also arrives as 'status'; without a listener an 'error' event would throw.
    stream.on('error', () => undefined);
  }

  /** Resolves once `count` statuses have arrived, or the stream ended first. */
  async untilSeen(count: number): Promise<ReadonlyArray<string>> {
    await this.waiters.until(() => this.statuses.length >= count || this.ending !== undefined);
    return this.statuses;
  }

  async ended(): Promise<grpc.StatusObject> {
    await this.waiters.until(() => this.ending !== undefined);
    return this.ending ?? { code: grpc.status.UNKNOWN, details: 'no status', metadata: new grpc.Metadata() };
  }

  cancel(): void {
    this.stream.cancel();
  }
}

/** A grpc-js client of grpc.health.v1.Health built from the definition the health library itself serves. */
export class HealthClient {
  private readonly client: grpc.Client;

  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  check(service: string): TE.TaskEither<CallFailure, string> {
    const method = healthService.Check;
    return () =>
      new Promise((resolve) => {
        this.client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          { service },
          (error: grpc.ServiceError | null, response?: object) => {
            resolve(
              error === null && response !== undefined
                ? E.right(statusOf(response))
                : E.left({ code: error?.code ?? grpc.status.UNKNOWN, details: error?.details ?? 'no response' }),
            );
          },
        );
      });
  }

  watch(service: string): WatchRecording {
    const method = healthService.Watch;
    return new WatchRecording(
      this.client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, {
        service,
      }),
    );
  }

  close(): void {
    this.client.close();
  }
}
