import type { CounterName, CountersSnapshot } from './control-types';
import { type OperationName, perOperation } from './operations';

const zeroes = (): Record<OperationName, number> => perOperation(() => 0);

/** Per-operation counters that tests read through GET /_emulator/counters. */
export class OperationCounters {
  private values = OperationCounters.empty();

  increment(counter: CounterName, operation: OperationName): void {
    this.values[counter][operation] += 1;
  }

  snapshot(): CountersSnapshot {
    return {
      calls: { ...this.values.calls },
      throttled: { ...this.values.throttled },
      faultsApplied: { ...this.values.faultsApplied },
      idempotentReplays: { ...this.values.idempotentReplays },
      abandoned: { ...this.values.abandoned },
    };
  }

  reset(): void {
    this.values = OperationCounters.empty();
  }

  private static empty(): Record<CounterName, Record<OperationName, number>> {
    return {
      calls: zeroes(),
      throttled: zeroes(),
      faultsApplied: zeroes(),
      idempotentReplays: zeroes(),
      abandoned: zeroes(),
    };
  }
}
