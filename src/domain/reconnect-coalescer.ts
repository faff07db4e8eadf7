import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import type { CallTiming, FlightTiming } from './call-context';
import { fromAbortCause, isAbortCause, type ReconnectError, type ReconnectTarget } from './reconnect-error';
import type { SessionKey } from './session-key';

interface Flight<A> {
  readonly signalRequestDigest: string;
  readonly outcome: Promise<E.Either<ReconnectError, A>>;
  readonly controller: AbortController;
  participants: number;
}

export interface Coalesced<A> {
  readonly value: A;
  /** True when this call shared another call's upstream request. */
  readonly coalesced: boolean;
}

/**
 * Singleflight for reconnects. Identical reconnects in flight at once (same session, same offer) share one
 * upstream call and all get its result; a different offer for a session whose reconnect is in flight is refused
 * at once, because an answer only fits the offer it was made for. A participant that cancels leaves on its own;
 * the shared call is aborted only when every participant has left.
 */
export class ReconnectCoalescer<A> {
  private readonly flights = new Map<SessionKey, Flight<A>>();

  inFlight(): number {
    return this.flights.size;
  }

  run(
    session: SessionKey,
    signalRequestDigest: string,
    target: ReconnectTarget,
    context: CallTiming,
    start: (flightContext: FlightTiming) => TE.TaskEither<ReconnectError, A>,
  ): TE.TaskEither<ReconnectError, Coalesced<A>> {
    return () => {
      const existing = this.flights.get(session);
      if (existing !== undefined && existing.signalRequestDigest !== signalRequestDigest) {
        return Promise.resolve(E.left({ _tag: 'ReconnectInProgress', target }));
      }
      const flight = existing ?? this.launch(session, signalRequestDigest, context, start);
      return this.participate(session, flight, context, existing !== undefined);
    };
  }

  private launch(
    session: SessionKey,
    signalRequestDigest: string,
    context: CallTiming,
    start: (flightContext: FlightTiming) => TE.TaskEither<ReconnectError, A>,
  ): Flight<A> {
    const controller = new AbortController();
    const flightContext: FlightTiming = {
      signal: controller.signal,
      deadline: context.deadline,
      abort: (cause) => controller.abort(cause),
    };
    const outcome = start(flightContext)().finally(() => {
      this.forget(session, flight);
    });
    const flight: Flight<A> = { signalRequestDigest, outcome, controller, participants: 0 };
    this.flights.set(session, flight);
    return flight;
  }

  /** Removes the flight, unless a newer one for the session has taken its place. */
  private forget(session: SessionKey, flight: Flight<A>): void {
    if (this.flights.get(session) === flight) {
      this.flights.delete(session);
    }
  }

  private participate(
    session: SessionKey,
    flight: Flight<A>,
    context: CallTiming,
    coalesced: boolean,
  ): Promise<E.Either<ReconnectError, Coalesced<A>>> {
    flight.participants += 1;
    return new Promise((resolve, reject) => {
      let done = false;
      const leave = (): void => {
        done = true;
        context.signal.removeEventListener('abort', onAbort);
        flight.participants -= 1;
      };
      const onAbort = (): void => {
        if (done) return;
        leave();
        const reason: unknown = context.signal.reason;
        if (flight.participants === 0) {
          // Forget the flight at once: a new identical call must start afresh, not join a call being aborted.
          this.forget(session, flight);
          flight.controller.abort(reason);
        }
        resolve(E.left(isAbortCause(reason) ? fromAbortCause(reason) : { _tag: 'Cancelled' }));
      };
      if (context.signal.aborted) {
        onAbort();
        return;
      }
      context.signal.addEventListener('abort', onAbort, { once: true });
      flight.outcome.then(
        (outcome) => {
          if (done) return;
          leave();
          resolve(E.map((value: A) => ({ value, coalesced }))(outcome));
        },
        // A defect in the shared call reaches every participant, for the transport to answer INTERNAL.
        (defect: unknown) => {
          if (done) return;
          leave();
          reject(defect);
        },
      );
    });
  }
}
