import * as grpc from '@grpc/grpc-js';

import { decodeErrorDetails, type DecodedErrorDetails } from '../../src/contract/error-details';
import {
  type ReconnectServiceClient,
  WatchEventType,
  type WatchStreamSessionsRequest,
  type WatchStreamSessionsResponse,
} from '../../src/gen/reconnect/v1/reconnect';
import { ConditionWaiters } from './condition-waiters';

/** How a watch stream ended, as its client saw it. */
export interface WatchEnd {
  readonly code: grpc.status;
  readonly message: string;
  readonly details: DecodedErrorDetails;
}

/**
 * One WatchStreamSessions stream on a real grpc-js client, recording every message and its end, so a test waits on
 * what arrived rather than on the clock. Waits are bounded by the test's own timeout.
 */
export class WatchRecorder {
  readonly messages: WatchStreamSessionsResponse[] = [];
  private ended: WatchEnd | undefined;
  private readonly waiters = new ConditionWaiters();
  private readonly call: grpc.ClientReadableStream<WatchStreamSessionsResponse>;

  constructor(
    client: ReconnectServiceClient,
    request: Partial<WatchStreamSessionsRequest>,
    metadata: grpc.Metadata = new grpc.Metadata(),
    options: grpc.CallOptions = {},
  ) {
    this.call = client.watchStreamSessions({ streamGroupIdentifier: '', statuses: [], ...request }, metadata, options);
    this.call.on('data', (message: WatchStreamSessionsResponse) => {
      this.messages.push(message);
      this.waiters.changed();
    });
    this.call.on('error', (error: grpc.ServiceError) => {
      this.ended = { code: error.code, message: error.details, details: decodeErrorDetails(error.metadata) };
      this.waiters.changed();
    });
  }

  /** The messages of one type, in order. */
  ofType(type: WatchEventType): ReadonlyArray<WatchStreamSessionsResponse> {
    return this.messages.filter((message) => message.type === type);
  }

  /** Resolves once the snapshot is complete: the messages up to SNAPSHOT_COMPLETE. */
  async snapshot(): Promise<ReadonlyArray<WatchStreamSessionsResponse>> {
    await this.until(() => this.ofType(WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_COMPLETE).length > 0);
    const complete = this.messages.findIndex(
      (message) => message.type === WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_COMPLETE,
    );
    return this.messages.slice(0, complete);
  }

  /** Resolves with the first message of this type about this session ARN. */
  async event(type: WatchEventType, arn: string): Promise<WatchStreamSessionsResponse> {
    const find = (): WatchStreamSessionsResponse | undefined =>
      this.messages.find((message) => message.type === type && message.session?.arn === arn);
    await this.until(() => find() !== undefined);
    const found = find();
    if (found === undefined) throw new Error(`the stream ended without a ${WatchEventType[type]} for ${arn}`);
    return found;
  }

  /** Resolves once the stream has ended with a status. */
  async end(): Promise<WatchEnd> {
    await this.waiters.until(() => this.ended !== undefined);
    if (this.ended === undefined) throw new Error('the stream has not ended');
    return this.ended;
  }

  cancel(): void {
    this.call.cancel();
  }

  /** Waits for the condition; a stream that ends first fails the wait with its status. */
  private async until(condition: () => boolean): Promise<void> {
    await this.waiters.until(() => condition() || this.ended !== undefined);
    if (!condition() && this.ended !== undefined) {
      throw new Error(`the stream ended first: ${grpc.status[this.ended.code]}: ${this.ended.message}`);
    }
  }
}
