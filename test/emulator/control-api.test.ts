import { strict as assert } from 'node:assert';
import { GetStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import { EmulatorControl } from '../../src/emulator/control-client';
import { OPERATION_NAMES } from '../../src/emulator/operations';
import { GROUP_ID, left, rawRequest, right, startSession, startTestEmulator, useTestEmulator } from './support/fixture';

describe('emulator: control API', () => {
  const fixture = useTestEmulator();

  const call = (method: string, path: string, body?: string) =>
    rawRequest(fixture().emulator.endpoint, method, `/_emulator${path}`, body);

  it('creates stream groups with a random valid id or the given one, idempotently', async () => {
    const random = await right(fixture().control.createStreamGroup());
    assert.match(random.id, /^sg-[A-Za-z0-9]{9}$/);
    assert.equal(random.arn, `arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/${random.id}`);
    const created = await call('POST', '/stream-groups', '{"id":"sg-given0001"}');
    assert.equal(created.status, 201);
    const again = await call('POST', '/stream-groups', '{"id":"sg-given0001"}');
    assert.equal(again.status, 200);
    assert.deepEqual(JSON.parse(again.text), JSON.parse(created.text));
  });

  it('counters list every operation with 0 after a reset', async () => {
    const counters = await right(fixture().control.counters());
    for (const counter of [
      counters.calls,
      counters.throttled,
      counters.faultsApplied,
      counters.idempotentReplays,
      counters.abandoned,
    ]) {
      assert.deepEqual(Object.keys(counter).sort(), [...OPERATION_NAMES].sort());
      assert.ok(Object.values(counter).every((value) => value === 0));
    }
  });

  it('reset clears groups, sessions, faults, counters and recorded requests', async () => {
    const session = await startSession(fixture().sdk);
    await right(
      fixture().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'drop-connection' },
        probability: 1,
      }),
    );
    await right(fixture().control.reset());
    assert.deepEqual((await right(fixture().control.requests())).requests, []);
    assert.equal((await right(fixture().control.counters())).calls.StartStreamSession, 0);
    const missing = await left(fixture().control.setClient(GROUP_ID, session.id, 'connect'));
    assert.ok(missing.kind === 'rejected' && missing.status === 404);
    await right(fixture().control.createStreamGroup({ id: GROUP_ID }));
    // The drop-connection fault is gone: this answers (with a 404, since the session went with the reset).
    const answer = await rawRequest(
      fixture().emulator.endpoint,
      'GET',
      `/streamgroups/${GROUP_ID}/streamsessions/${session.id}`,
    );
    assert.equal(answer.status, 404);
  });

  it('filters recorded requests by operation and rejects an unknown operation name', async () => {
    const session = await startSession(fixture().sdk);
    await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    const gets = await right(fixture().control.requests('GetStreamSession'));
    assert.equal(gets.requests.length, 1);
    assert.equal(gets.requests[0]?.streamSessionIdentifier, session.id);
    assert.ok(!Number.isNaN(Date.parse(gets.requests[0]?.at ?? '')));
    assert.equal((await right(fixture().control.requests())).requests.length, 2);
    const bad = await call('GET', '/requests?operation=DeleteEverything');
    assert.equal(bad.status, 400);
  });

  const invalidBodies: ReadonlyArray<readonly [string, string, string, RegExp]> = [
    ['POST', '/stream-groups', '{"id":"has space"}', /"id"/],
    ['POST', '/stream-groups', '{"id":42}', /"id"/],
    ['POST', `/stream-groups/${GROUP_ID}/stream-sessions/x/client`, '{"action":"jump"}', /"action"/],
    ['PUT', `/stream-groups/${GROUP_ID}/stream-sessions/x/status`, '{"status":"SLEEPING"}', /"status"/],
    [
      'PUT',
      `/stream-groups/${GROUP_ID}/stream-sessions/x/status`,
      '{"status":"ACTIVE","statusReason":"bored"}',
      /"statusReason"/,
    ],
    ['PUT', '/transitions', '{"delayMs":-1}', /"delayMs"/],
    ['PUT', '/transitions', '{}', /"delayMs"/],
    ['PUT', '/retention', '{"endedSessionRetentionMs":604800001}', /"endedSessionRetentionMs"/],
    ['PUT', '/rates', '{"operation":"GetStreamSession","ratePerSecond":0,"burst":1}', /"ratePerSecond"/],
    ['PUT', '/rates', '{"operation":"GetStreamSession","ratePerSecond":1,"burst":0.5}', /"burst"/],
    ['PUT', '/rates', '{"operation":"Nope","ratePerSecond":1,"burst":1}', /"operation"/],
    ['POST', '/faults', '{"operation":"GetStreamSession"}', /"fault"/],
    ['POST', '/faults', '{"operation":"Nope","fault":{"kind":"drop-connection"}}', /"operation"/],
    ['POST', '/faults', '{"operation":"GetStreamSession","fault":{"kind":"explode"}}', /"fault.kind"/],
    [
      'POST',
      '/faults',
      '{"operation":"GetStreamSession","fault":{"kind":"error","errorName":"Bad Name"}}',
      /"fault.errorName"/,
    ],
    [
      'POST',
      '/faults',
      '{"operation":"GetStreamSession","fault":{"kind":"error","errorName":"X","httpStatus":200}}',
      /"fault.httpStatus"/,
    ],
    [
      'POST',
      '/faults',
      '{"operation":"GetStreamSession","fault":{"kind":"http-status","status":99}}',
      /"fault.status"/,
    ],
    ['POST', '/faults', '{"operation":"GetStreamSession","fault":{"kind":"latency","ms":-5}}', /"fault.ms"/],
    ['POST', '/faults', '{"operation":"GetStreamSession","fault":{"kind":"drop-connection"},"count":0}', /"count"/],
    [
      'POST',
      '/faults',
      '{"operation":"GetStreamSession","fault":{"kind":"drop-connection"},"probability":1.5}',
      /"probability"/,
    ],
    ['POST', '/faults', '{not json', /not valid JSON/],
    ['POST', '/faults', '[1,2]', /JSON object/],
  ];
  for (const [method, path, body, pattern] of invalidBodies) {
    it(`${method} ${path} ${body} → 400 with a message`, async () => {
      const answer = await call(method, path, body);
      assert.equal(answer.status, 400, answer.text);
      const parsed: unknown = JSON.parse(answer.text);
      assert.ok(
        typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string',
      );
      assert.match(parsed.message, pattern);
    });
  }

  it('unknown control paths → 404, known paths with the wrong method → 405 with Allow', async () => {
    const unknown = await call('GET', '/nothing-here');
    assert.equal(unknown.status, 404);
    const wrongMethod = await call('GET', '/faults');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST, DELETE');
  });

  it('client and status endpoints answer 404 for unknown groups and sessions', async () => {
    const noGroup = await left(fixture().control.setClient('sg-missing01', 'ABC123def4567', 'connect'));
    assert.ok(noGroup.kind === 'rejected' && noGroup.status === 404);
    assert.match(noGroup.message, /sg-missing01/);
    const noSession = await left(fixture().control.forceStatus(GROUP_ID, 'ABC123def4567', { status: 'ACTIVE' }));
    assert.ok(noSession.kind === 'rejected' && noSession.status === 404);
  });

  it('setTransitions and setRate echo the accepted setting', async () => {
    assert.deepEqual(await right(fixture().control.setTransitions({ delayMs: 25 })), { delayMs: 25 });
    assert.deepEqual(
      await right(
        fixture().control.setRate({ operation: 'CreateStreamSessionConnection', ratePerSecond: 2.5, burst: 3 }),
      ),
      {
        operation: 'CreateStreamSessionConnection',
        ratePerSecond: 2.5,
        burst: 3,
      },
    );
    const fault = await right(
      fixture().control.injectFault({ operation: 'GetStreamSession', fault: { kind: 'latency', ms: 1 } }),
    );
    assert.match(fault.id, /^[0-9a-f-]{36}$/);
  });

  it('the control client reports an unreachable emulator as a value', async () => {
    const closed = await startTestEmulator();
    const endpoint = closed.emulator.endpoint;
    await closed.close();
    const error = await left(new EmulatorControl(endpoint, { timeoutMs: 2000 }).counters());
    assert.equal(error.kind, 'unreachable');
    assert.match(error.message, /no answer from the emulator/);
  });
});
