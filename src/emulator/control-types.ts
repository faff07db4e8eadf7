/**
 * The control API's request and response shapes, shared by the server (`control-api.ts`) and the typed client
 * (`control-client.ts`) so the two cannot drift apart.
 */
import type { OperationName } from './operations';
import type { StreamSessionStatus, StreamSessionStatusReason } from './session-status';

export type FaultSpec =
  | {
      readonly kind: 'error';
      /** One of the six modelled names, or any other name to produce an unmodelled error. */
      readonly errorName: string;
      readonly httpStatus?: number;
      readonly message?: string;
    }
  /** An error response with no `X-Amzn-Errortype` and a `{}` body. */
  | { readonly kind: 'http-status'; readonly status: number }
  /** Waits, then handles the call normally. */
  | { readonly kind: 'latency'; readonly ms: number }
  /** Destroys the socket without answering. */
  | { readonly kind: 'drop-connection' };

export const FAULT_KINDS = ['error', 'http-status', 'latency', 'drop-connection'] as const satisfies ReadonlyArray<
  FaultSpec['kind']
>;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRequest {
  readonly operation: OperationName;
  readonly fault: FaultSpec;
  /** Apply to the next `count` matching calls (default 1 when `probability` is not given either). */
  readonly count?: number;
  /** Apply to each matching call with this probability (unlimited calls unless `count` is given too). */
  readonly probability?: number;
}

export interface FaultCreated {
  readonly id: string;
}

export interface StreamGroupSummary {
  readonly id: string;
  readonly arn: string;
}

export type ClientAction = 'connect' | 'drop';

export interface SessionSummary {
  readonly id: string;
  readonly arn: string;
  readonly status: StreamSessionStatus;
  readonly statusReason?: StreamSessionStatusReason;
}

export interface TransitionSetting {
  readonly delayMs: number;
}

export interface RetentionSetting {
  /** How long an ended session (TERMINATED or ERROR) stays visible before it is forgotten; 0 forgets it at once. */
  readonly endedSessionRetentionMs: number;
}

export interface RateSetting {
  readonly operation: OperationName;
  readonly ratePerSecond: number;
  readonly burst: number;
}

/**
 * `abandoned` counts calls whose client closed the connection before the emulator answered (an aborted SDK call):
 * such a call is not carried out, as AWS does not carry out a request it never fully received.
 */
export const COUNTER_NAMES = ['calls', 'throttled', 'faultsApplied', 'idempotentReplays', 'abandoned'] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];

export type CountersSnapshot = Readonly<Record<CounterName, Readonly<Record<OperationName, number>>>>;

/** One AWS request as it reached the emulator; the signal itself is never kept, only its SHA-256. */
export interface RecordedRequest {
  readonly operation: OperationName;
  /** The decoded `{Identifier}` label exactly as sent (ID or ARN); absent for ListStreamSessionsByAccount. */
  readonly identifier?: string;
  readonly streamSessionIdentifier?: string;
  /** The body's ClientToken exactly as sent, valid or not. */
  readonly clientToken?: string;
  readonly signalRequestSha256?: string;
  /** ISO-8601 time of arrival. */
  readonly at: string;
}

/** The query parameter that names the emulated region a control call acts on; without it, the default region. */
export const REGION_PARAMETER = 'region';

/** Limits the control API enforces on its inputs. */
export const CONTROL_LIMITS = {
  maxTransitionDelayMs: 86_400_000,
  maxEndedSessionRetentionMs: 604_800_000,
  maxLatencyMs: 300_000,
  maxRatePerSecond: 1_000_000,
  maxBurst: 1_000_000,
  maxFaultMessageLength: 4096,
  minFaultStatus: 400,
  maxFaultStatus: 599,
} as const;

/** Header-safe names only: the name is sent back verbatim in `X-Amzn-Errortype`. */
export const FAULT_ERROR_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.:#-]{0,127}$/;
