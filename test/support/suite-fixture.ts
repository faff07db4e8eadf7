/** How a fixture shared by a suite's tests is made, looked after between tests, and disposed of. */
export interface SuiteFixtureLifecycle<Fixture> {
  /** Makes the fixture once, before the suite's first test. */
  readonly start: () => Promise<Fixture>;
  /** Runs before each test: to give every test the same starting state. */
  readonly beforeEach?: (fixture: Fixture) => Promise<void>;
  /** Runs after each test, a failed one included: to undo what a test may have left behind. */
  readonly afterEach?: (fixture: Fixture) => Promise<void>;
  /** Disposes of the fixture after the suite's last test; left out when something else already owns the fixture. */
  readonly close?: (fixture: Fixture) => Promise<void>;
}

/**
 * Registers the mocha hooks of one fixture shared by a suite's tests, and returns a getter for it. A getter, because
 * the fixture exists only once the suite's `before` hook has run, not yet when the suite is declared.
 */
export function useSuiteFixture<Fixture>(what: string, lifecycle: SuiteFixtureLifecycle<Fixture>): () => Fixture {
  let fixture: Fixture | undefined;
  const { beforeEach: prepareTest, afterEach: cleanUpTest, close } = lifecycle;
  before(async () => {
    fixture = await lifecycle.start();
  });
  if (prepareTest !== undefined) {
    beforeEach(async () => {
      if (fixture !== undefined) await prepareTest(fixture);
    });
  }
  if (cleanUpTest !== undefined) {
    afterEach(async () => {
      if (fixture !== undefined) await cleanUpTest(fixture);
    });
  }
  after(async () => {
    const closing = fixture;
    // Cleared first, so that a later hook using it fails plainly rather than finding a closed fixture.
    fixture = undefined;
    if (closing !== undefined) await close?.(closing);
  });
  return () => {
    if (fixture === undefined) {
      throw new Error(`${what} was used outside a test of the suite that set it up`);
    }
    return fixture;
  };
}
