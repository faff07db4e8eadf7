import type * as TE from 'fp-ts/TaskEither';

import type { FlightTiming } from './call-context';
import type { ReconnectCommand } from './reconnect-request';
import type { ReconnectError } from './reconnect-error';

/** The WebRTC answer; sensitive, like the offer. */
export type SignalResponse = string;

/** What a successful CreateStreamSessionConnection gave back. */
export interface ConnectionAnswer {
  readonly signalResponse: SignalResponse;
  /** AWS's request id, for the access log and for support cases. */
  readonly awsRequestId: string | undefined;
}

/**
 * The port to GameLift Streams' CreateStreamSessionConnection. The domain depends on this, not on the AWS SDK,
 * so the pipeline can be tested without sockets and the adapter can be swapped.
 */
export interface StreamSessionConnector {
  /**
   * Must not start the call when the context's signal is already aborted, and must abort it when it fires. The
   * call itself is capped at the deadline budget from the moment it starts. It is always made for a coalesced
   * flight, whose signal it may fire (FlightTiming).
   */
  createStreamSessionConnection(
    command: ReconnectCommand,
    context: FlightTiming,
  ): TE.TaskEither<ReconnectError, ConnectionAnswer>;
}
