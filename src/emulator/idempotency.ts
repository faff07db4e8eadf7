/** Records a ledger keeps before forgetting the oldest, so a long load run cannot grow it without bound. */
export const IDEMPOTENCY_LEDGER_CAPACITY = 10_000;

export type IdempotencyLookup<T> =
  { readonly kind: 'new' } | { readonly kind: 'replay'; readonly result: T } | { readonly kind: 'mismatch' };

interface LedgerEntry<T> {
  readonly fingerprint: string;
  readonly result: T;
}

/**
 * Results of successful calls by (stream group, ClientToken), one ledger per operation. Same token and same
 * parameters replay the result; same token and different parameters is a mismatch (EC2's IdempotentParameterMismatch).
 */
export class IdempotencyLedger<T> {
  private readonly entries = new Map<string, LedgerEntry<T>>();

  constructor(private readonly capacity: number = IDEMPOTENCY_LEDGER_CAPACITY) {}

  lookup(streamGroupId: string, clientToken: string, fingerprint: string): IdempotencyLookup<T> {
    const entry = this.entries.get(IdempotencyLedger.key(streamGroupId, clientToken));
    if (entry === undefined) {
      return { kind: 'new' };
    }
    return entry.fingerprint === fingerprint ? { kind: 'replay', result: entry.result } : { kind: 'mismatch' };
  }

  remember(streamGroupId: string, clientToken: string, fingerprint: string, result: T): void {
    this.entries.set(IdempotencyLedger.key(streamGroupId, clientToken), { fingerprint, result });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) {
        this.entries.delete(oldest.value);
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }

  private static key(streamGroupId: string, clientToken: string): string {
    // NUL cannot occur in a stream group id, so the key is unambiguous.
    return `${streamGroupId}\u0000${clientToken}`;
  }
}
