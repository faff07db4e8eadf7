import type { Caller } from './caller';
import type { AbortCause } from './reconnect-error';

/** When a call stops being wanted: what admission and the upstream ports need to know about it. */
export interface CallTiming {
  /** Fires with an AbortCause when the caller cancels or the call's deadline passes. */
  readonly signal: AbortSignal;
  /**
   * When the caller stops waiting (epoch ms): the caller's deadline, or now + the budget when it set none.
   * Admission uses it to decide whether a queued call can still be served in time.
   */
  readonly deadline: number;
}

/**
 * The timing of a coalesced flight, the shared upstream work of identical reconnects. Its signal is the flight's
 * own (it fires when every participant has left), never a caller's, so the work done for the flight may fire it:
 * an upstream call ends its budget on it instead of on a controller of its own (the budget running out ends the
 * flight anyway: a DeadlineExceeded is not retried).
 */
export interface FlightTiming extends CallTiming {
  readonly abort: (cause: AbortCause) => void;
}

/** What the transport tells a use case about the call it serves. */
export interface CallContext extends CallTiming {
  /** Who is calling, as the transport authenticated them. */
  readonly caller: Caller;
}
