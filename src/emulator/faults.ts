import { randomUUID } from 'node:crypto';
import type { FaultRequest, FaultSpec } from './control-types';
import type { OperationName } from './operations';

interface FaultRule {
  readonly id: string;
  readonly operation: OperationName;
  readonly fault: FaultSpec;
  /** Applications left; `undefined` means unlimited (a probability-only rule). */
  remaining: number | undefined;
  readonly probability: number | undefined;
}

/**
 * Injected faults, checked in the order they were added. At most one fault applies to a call: the first rule for the
 * operation whose count is not used up and whose probability draw succeeds.
 */
export class FaultPlan {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(request: FaultRequest): string {
    const id = randomUUID();
    const remaining = request.count ?? (request.probability === undefined ? 1 : undefined);
    this.rules.push({
      id,
      operation: request.operation,
      fault: request.fault,
      remaining,
      probability: request.probability,
    });
    return id;
  }

  /** The fault to apply to this call, if any; a count-limited rule is consumed by it. */
  take(operation: OperationName): FaultSpec | undefined {
    for (const rule of this.rules) {
      if (rule.operation !== operation) {
        continue;
      }
      if (rule.probability !== undefined && !(this.random() < rule.probability)) {
        continue;
      }
      if (rule.remaining !== undefined) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) {
          this.rules = this.rules.filter((candidate) => candidate !== rule);
        }
      }
      return rule.fault;
    }
    return undefined;
  }

  clear(): void {
    this.rules = [];
  }

  get size(): number {
    return this.rules.length;
  }
}
