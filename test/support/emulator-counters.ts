import { strict as assert } from 'node:assert';

import type { EmulatorControl } from '../../src/emulator/control-client';
import { expectRight } from './task-either';

/** The CreateStreamSessionConnection calls the emulator has received so far, refused and throttled ones included. */
export async function connectionCallsReceived(control: EmulatorControl): Promise<number> {
  const counters = await expectRight(control.counters());
  return counters.calls.CreateStreamSessionConnection;
}

/**
 * Waits until the emulator has received `count` CreateStreamSessionConnection calls: to know that calls are in flight
 * upstream. Polls a bounded number of times, so a call that never arrives fails the test with a reason, not a timeout.
 */
export async function untilConnectionCallsReceived(control: EmulatorControl, count: number): Promise<void> {
  let received = await connectionCallsReceived(control);
  for (let attempt = 1; attempt < 500 && received < count; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    received = await connectionCallsReceived(control);
  }
  assert.ok(received >= count, `the emulator received ${received} CreateStreamSessionConnection calls, never ${count}`);
}
