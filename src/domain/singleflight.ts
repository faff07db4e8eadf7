import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import { endedBy, type CallTiming } from './call-context';
import type { CallEnded } from './outcomes';

/** One shared call and the callers waiting for it. */
interface Flight<Failure, A> {
  /** What the flight's callers asked for, when callers of one key may ask for different things. */
  readonly variant: string;
  readonly outcome: Promise<E.Either<Failure, A>>;
  /** Fires when every participant has left: the shared call is then no longer wanted. */
  readonly controller: AbortController;
  participants: number;
}

/** A participant's share of a flight: the result, and whether it joined a call another one started. */
export interface Shared<A> {
  readonly value: A;
  readonly joined: boolean;
}

/**
 * Identical calls in flight at once share one call and all get its result ("singleflight"). A participant that is
 * cancelled leaves on its own, with its own CallEnded; the shared call is aborted only when every participant has
 * left, and a call that starts after that starts afresh. The shared call runs under a signal of its own, which fires
 * then, and under the first participant's deadline.
 */
export class Singleflight<Key, Failure, A> {
  private readonly flights = new Map<Key, Flight<Failure, A>>();

  /** Keys whose shared call is under way. */
  inFlight(): number {
    return this.flights.size;
  }

  /** The variant of the call for this key that is under way, if one is. */
  variantOf(key: Key): string | undefined {
    return this.flights.get(key)?.variant;
  }

  /**
   * Joins the call for this key that is under way, or starts one. A call of another variant under way is not joined:
   * `start` is run only when no call for the key is, and the caller checks variantOf first where variants differ.
   */
  run(
    key: Key,
    variant: string,
    timing: CallTiming,
    start: (flightTiming: CallTiming) => TE.TaskEither<Failure, A>,
  ): TE.TaskEither<Failure | CallEnded, Shared<A>> {
    return () => {
      const existing = this.flights.get(key);
      const joined = existing !== undefined && existing.variant === variant;
      const flight = joined ? existing : this.launch(key, variant, timing, start);
      return this.participate(key, flight, timing, joined);
    };
  }

  private launch(
    key: Key,
    variant: string,
    timing: CallTiming,
    start: (flightTiming: CallTiming) => TE.TaskEither<Failure, A>,
  ): Flight<Failure, A> {
    const controller = new AbortController();
    const outcome = start({ signal: controller.signal, deadline: timing.deadline })().finally(() =>
      this.forget(key, flight),
    );
    const flight: Flight<Failure, A> = { variant, outcome, controller, participants: 0 };
    this.flights.set(key, flight);
    return flight;
  }

  /** Removes the flight, unless a newer one for the key has taken its place. */
  private forget(key: Key, flight: Flight<Failure, A>): void {
    if (this.flights.get(key) === flight) {
      this.flights.delete(key);
    }
  }

  private participate(
    key: Key,
    flight: Flight<Failure, A>,
    timing: CallTiming,
    joined: boolean,
  ): Promise<E.Either<Failure | CallEnded, Shared<A>>> {
    flight.participants += 1;
    return new Promise((resolve, reject) => {
      let done = false;
      const leave = (): void => {
        done = true;
        timing.signal.removeEventListener('abort', onAbort);
        flight.participants -= 1;
      };
      const onAbort = (): void => {
        if (done) return;
        leave();
        if (flight.participants === 0) {
          // Forget the flight at once: a new identical call must start afresh, not join a call being aborted.
          this.forget(key, flight);
          flight.controller.abort(timing.signal.reason);
        }
        resolve(E.left(endedBy(timing.signal)));
      };
      if (timing.signal.aborted) {
        onAbort();
        return;
      }
      timing.signal.addEventListener('abort', onAbort, { once: true });
      flight.outcome.then(
        (outcome) => {
          if (done) return;
          leave();
          resolve(E.map((value: A) => ({ value, joined }))(outcome));
        },
        // A defect in the shared call reaches every participant, for the transport to answer INTERNAL.
        (defect: unknown) => {
          if (done) return;
          leave();
          reject(
            defect instanceof Error ? defect : new Error('a non-Error defect in a shared call', { cause: defect }),
          );
        },
      );
    });
  }
}
