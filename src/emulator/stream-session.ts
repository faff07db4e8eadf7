import type { StreamSessionStatus, StreamSessionStatusReason } from './session-status';
import type { ScheduledTimer } from './timers';

/** The timers a live session may own; the lifecycle keeps them consistent with the session's status. */
export interface SessionTimers {
  /** Automatic follow-up of a transitional status (ACTIVATING, RECONNECTING, TERMINATING). */
  followUp: ScheduledTimer | undefined;
  /** ConnectionTimeoutSeconds window while ACTIVE or PENDING_CLIENT_RECONNECTION. */
  connectionWindow: ScheduledTimer | undefined;
  /** SessionLengthSeconds limit; runs while the session has not ended. */
  sessionLength: ScheduledTimer | undefined;
}

/** StartStreamSession's `PerformanceStatsConfiguration`. */
export interface PerformanceStatsConfiguration {
  readonly sharedWithClient: boolean | undefined;
}

/** StartStreamSession's `DisplayConfiguration.Resolution`. */
export interface Resolution {
  readonly width: number;
  readonly height: number;
}

/** StartStreamSession's `DisplayConfiguration`. */
export interface DisplayConfiguration {
  readonly resolution: Resolution | undefined;
}

/** One emulated stream session. Only the lifecycle changes the mutable fields. */
export interface StreamSession {
  readonly id: string;
  readonly arn: string;
  readonly streamGroupId: string;
  /** Emulator-wide creation order, which the list operations page through. */
  readonly sequence: number;
  readonly location: string;
  readonly protocol: 'WebRTC';
  readonly applicationArn: string;
  readonly description: string | undefined;
  readonly userId: string | undefined;
  readonly connectionTimeoutSeconds: number;
  readonly sessionLengthSeconds: number;
  readonly additionalLaunchArgs: readonly string[] | undefined;
  readonly additionalEnvironmentVariables: Readonly<Record<string, string>> | undefined;
  readonly performanceStatsConfiguration: PerformanceStatsConfiguration | undefined;
  /** Sensitive in the model: returned as AWS does, never logged or put in a message. */
  readonly roleArn: string | undefined;
  readonly displayConfiguration: DisplayConfiguration | undefined;
  readonly createdAtMs: number;
  /** Sensitive: returned by GetStreamSession as AWS does, never logged. */
  readonly initialSignalResponse: string | undefined;
  status: StreamSessionStatus;
  statusReason: StreamSessionStatusReason | undefined;
  /** For an ended session, when it ended: its retention counts from here. */
  lastUpdatedAtMs: number;
  /** Accepted CreateStreamSessionConnection calls; decides whether an ACTIVE timeout is a reconnection timeout. */
  reconnections: number;
  readonly timers: SessionTimers;
}

export interface StreamGroup {
  readonly id: string;
  readonly arn: string;
  readonly createdAtMs: number;
  /** Insertion order is creation order. */
  readonly sessions: Map<string, StreamSession>;
}

export const noTimers = (): SessionTimers => ({
  followUp: undefined,
  connectionWindow: undefined,
  sessionLength: undefined,
});
