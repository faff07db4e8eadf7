/** What the transport tells the use case about the call it serves. */
export interface CallContext {
  /** Fires with an AbortCause when the caller cancels or the call's deadline passes. */
  readonly signal: AbortSignal;
  /**
   * When the caller stops waiting (epoch ms): the caller's deadline, or now + the budget when it set none.
   * Admission uses it to decide whether a queued call can still be served in time.
   */
  readonly deadline: number;
}
