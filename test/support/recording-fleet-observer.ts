import type { FleetObserver, FleetSharing } from '../../src/fleet/fleet';

/** What a replica's fleet told its metrics: every Redis call by command and outcome, and every change of mode. */
export class RecordingFleetObserver implements FleetObserver {
  readonly modes: FleetSharing[] = [];
  failedCalls = 0;
  private readonly calls = new Map<string, number>();

  called(command: string, outcome: 'ok' | 'failed'): void {
    this.calls.set(command, this.count(command) + 1);
    if (outcome === 'failed') this.failedCalls += 1;
  }

  modeChanged(mode: FleetSharing): void {
    this.modes.push(mode);
  }

  /** Calls of this command so far, whatever their outcome. */
  count(command: string): number {
    return this.calls.get(command) ?? 0;
  }
}
