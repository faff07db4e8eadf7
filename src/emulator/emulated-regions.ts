import * as RNEA from 'fp-ts/ReadonlyNonEmptyArray';
import type { Clock } from './clock';
import type { OperationName } from './operations';
import { RegionState } from './region-state';
import type { RateLimit } from './throttle';

/** What every emulated region starts with; only the region in each one's scope differs. */
export interface RegionsBaseline {
  /** The default region first. */
  readonly regions: RNEA.ReadonlyNonEmptyArray<string>;
  readonly accountId: string;
  readonly transitionDelayMs: number;
  readonly endedSessionRetentionMs: number;
  readonly rateLimits: Readonly<Record<OperationName, RateLimit>>;
}

/**
 * The regions one emulator serves, each a RegionState of its own, as AWS keeps its regions apart. The first is the
 * default: it answers requests that name no region (no `Authorization` header, or a control call without `?region=`).
 */
export class EmulatedRegions {
  readonly defaultRegion: RegionState;
  /** The region names, the default first. */
  readonly names: RNEA.ReadonlyNonEmptyArray<string>;
  private readonly byName: ReadonlyMap<string, RegionState>;

  constructor(baseline: RegionsBaseline, clock: Clock) {
    const states = RNEA.map(
      (region: string) =>
        new RegionState(
          {
            scope: { region, accountId: baseline.accountId },
            transitionDelayMs: baseline.transitionDelayMs,
            endedSessionRetentionMs: baseline.endedSessionRetentionMs,
            rateLimits: baseline.rateLimits,
          },
          clock,
        ),
    )(baseline.regions);
    this.defaultRegion = RNEA.head(states);
    this.names = RNEA.map((state: RegionState) => state.region)(states);
    this.byName = new Map(states.map((state) => [state.region, state]));
  }

  find(region: string): RegionState | undefined {
    return this.byName.get(region);
  }

  resetAll(): void {
    for (const state of this.byName.values()) {
      state.reset();
    }
  }

  close(): void {
    for (const state of this.byName.values()) {
      state.close();
    }
  }
}
