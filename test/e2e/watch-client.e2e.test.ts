import { strict as assert } from 'node:assert';

import { status } from '@grpc/grpc-js';

import { WatchEventType, type WatchStreamSessionsResponse } from '../../src/gen/reconnect/v1/reconnect';
import { ConditionWaiters } from '../support/condition-waiters';
import { testServiceConfig } from '../support/service-config';
import { disconnectedSession, GROUP_ID, useHarness } from '../support/service-harness';

/** The TypeScript client's watch, against the service on the emulator: what a matchmaker written in TypeScript uses. */
describe('ReconnectClient.watchStreamSessions', function () {
  this.timeout(30_000);
  const harness = useHarness({ watch: { ...testServiceConfig().watch, pollIntervalMs: 100 } });

  it('hears the snapshot and a drop, and resolves CANCELLED once its signal fires', async () => {
    const heard: WatchStreamSessionsResponse[] = [];
    const waiters = new ConditionWaiters();
    const stop = new AbortController();
    const ended = harness().client.watchStreamSessions(
      { streamGroupIdentifier: GROUP_ID, statuses: [] },
      (event) => {
        heard.push(event);
        waiters.changed();
      },
      { signal: stop.signal },
    )();
    await waiters.until(() => heard.some((event) => event.type === WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_COMPLETE));
    const session = await disconnectedSession(harness());
    await waiters.until(() =>
      heard.some(
        (event) => event.type === WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED && event.session?.arn === session.arn,
      ),
    );
    stop.abort();
    const end = await ended;
    assert.equal(end.code, status.CANCELLED);
  });

  it('cancels the stream and resolves, never rejects, when its event handler throws', async () => {
    let calls = 0;
    const end = await harness().client.watchStreamSessions({ streamGroupIdentifier: GROUP_ID, statuses: [] }, () => {
      calls += 1;
      throw new Error('the matchmaker choked');
    })();
    assert.equal(end.code, status.CANCELLED);
    assert.match(end.message, /the matchmaker choked/);
    assert.equal(calls, 1);
  });
});
