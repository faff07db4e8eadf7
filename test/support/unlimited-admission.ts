import * as E from 'fp-ts/Either';

import { BudgetRegistry, type UpstreamAdmission, type UpstreamBudgets } from '../../src/domain/admission';
import { endedBy } from '../../src/domain/call-context';

/**
 * Admission that admits every call at once (unless already aborted), composed in by the tests and the benchmark that
 * show what the service's admission prevents. Production has no such switch.
 */
export const unlimitedAdmission: UpstreamAdmission = {
  admit: (timing) => () => Promise.resolve(timing.signal.aborted ? E.left(endedBy(timing.signal)) : E.right(undefined)),
  record: () => undefined,
  state: () => ({ queueDepth: 0, tokensAvailable: Number.POSITIVE_INFINITY, ratePerSecond: Number.POSITIVE_INFINITY }),
};

/** Every budget unlimited: the foundations of a service without admission, to show what admission prevents. */
export const unlimitedBudgets: UpstreamBudgets = new BudgetRegistry(() => unlimitedAdmission);
