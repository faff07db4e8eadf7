import fc from 'fast-check';

/**
 * How much a property may send: at most `maxRequests` requests and at most `maxMs` of wall-clock time, whichever
 * comes first, in batches of `batchSize` sent at once (so at most `batchSize` calls are in flight).
 */
export interface LoadBudget {
  readonly maxRequests: number;
  readonly maxMs: number;
  readonly batchSize: number;
}

/** What a property actually ran: the test asserts a floor on `requests`, so lost volume fails loudly. */
export interface LoadReport {
  readonly requests: number;
  readonly batches: number;
  readonly elapsedMs: number;
}

/**
 * Runs a fast-check property over batches of generated values within a budget. Each run is one batch: `check`
 * sends it concurrently and throws (an assertion) for a value the service mishandles, naming that value; fast-check
 * then shrinks the batch and reports its seed. Stopping early on the time limit is not a failure by itself: the
 * returned count is, when the caller asserts its floor.
 */
export async function checkInBatches<T>(
  arbitrary: fc.Arbitrary<T>,
  budget: LoadBudget,
  check: (batch: ReadonlyArray<T>) => Promise<void>,
): Promise<LoadReport> {
  let requests = 0;
  let batches = 0;
  const startedAt = Date.now();
  await fc.assert(
    fc.asyncProperty(
      fc.array(arbitrary, { minLength: budget.batchSize, maxLength: budget.batchSize }),
      async (batch) => {
        requests += batch.length;
        batches += 1;
        await check(batch);
      },
    ),
    {
      numRuns: Math.ceil(budget.maxRequests / budget.batchSize),
      interruptAfterTimeLimit: budget.maxMs,
      markInterruptAsFailure: false,
    },
  );
  return { requests, batches, elapsedMs: Date.now() - startedAt };
}

/** Runs a sequential property (one value at a time, e.g. calls that reach AWS) within a budget. */
export async function checkEach<T>(
  arbitrary: fc.Arbitrary<T>,
  budget: Omit<LoadBudget, 'batchSize'>,
  check: (value: T) => Promise<void>,
): Promise<LoadReport> {
  return checkInBatches(arbitrary, { ...budget, batchSize: 1 }, async ([value]) => {
    if (value !== undefined) {
      await check(value);
    }
  });
}
