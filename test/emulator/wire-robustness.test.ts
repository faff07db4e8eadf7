import { strict as assert } from 'node:assert';
import { request as httpRequest } from 'node:http';
import { GetStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import { GROUP_ID, rawHttp, rawRequest, right, startSession, useTestEmulator } from './support/fixture';

describe('emulator: wire format and robustness', () => {
  const fixture = useTestEmulator();

  const connectionsPath = (sessionId: string): string =>
    `/streamgroups/${GROUP_ID}/streamsessions/${sessionId}/connections`;

  it('an error carries the model status, X-Amzn-Errortype, JSON content type, both message spellings and a request id', async () => {
    const answer = await rawRequest(
      fixture().emulator.endpoint,
      'GET',
      `/streamgroups/${GROUP_ID}/streamsessions/NoSuchSession1`,
    );
    assert.equal(answer.status, 404);
    assert.equal(answer.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(answer.headers.get('content-type'), 'application/json');
    assert.match(answer.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    const body: unknown = JSON.parse(answer.text);
    assert.ok(typeof body === 'object' && body !== null && 'message' in body && 'Message' in body);
    assert.equal(body.message, body.Message);
  });

  it('every answer has a fresh request id, successes included', async () => {
    const session = await startSession(fixture().sdk);
    const first = await rawRequest(
      fixture().emulator.endpoint,
      'GET',
      `/streamgroups/${GROUP_ID}/streamsessions/${session.id}`,
    );
    const second = await rawRequest(
      fixture().emulator.endpoint,
      'GET',
      `/streamgroups/${GROUP_ID}/streamsessions/${session.id}`,
    );
    assert.equal(first.status, 200);
    assert.notEqual(first.headers.get('x-amzn-requestid'), second.headers.get('x-amzn-requestid'));
    const deleted = await rawRequest(
      fixture().emulator.endpoint,
      'DELETE',
      `/streamgroups/${GROUP_ID}/streamsessions/${session.id}`,
    );
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assert.match(deleted.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('an unknown route → 404 UnknownOperationException', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/streamgroups'],
      ['PUT', `/streamgroups/${GROUP_ID}/streamsessions`],
      ['POST', `/streamgroups/${GROUP_ID}/streamsessions/x/other`],
      ['GET', `/streamgroups/${GROUP_ID}/streamsessions/a/connections`],
    ] as const) {
      const answer = await rawRequest(fixture().emulator.endpoint, method, path);
      assert.equal(answer.status, 404, `${method} ${path}`);
      assert.equal(answer.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    }
  });

  it('malformed JSON, a non-object body and a bad percent-encoding are ValidationExceptions that never quote the input', async () => {
    const session = await startSession(fixture().sdk);
    const secret = 'SECRET-OFFER-TEXT';
    for (const body of [`{"SignalRequest":"${secret}"`, `["${secret}"]`, `"${secret}"`, `{${secret}}`]) {
      const answer = await rawRequest(fixture().emulator.endpoint, 'POST', connectionsPath(session.id), body);
      assert.equal(answer.status, 400, body);
      assert.equal(answer.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.ok(!answer.text.includes(secret));
    }
    const badEncoding = await rawRequest(
      fixture().emulator.endpoint,
      'GET',
      `/streamgroups/sg-%E0%A4%A/streamsessions/${session.id}`,
    );
    assert.equal(badEncoding.status, 400);
    assert.match(badEncoding.text, /percent-encoding/);
  });

  it('a body over 1 MiB is refused with a ValidationException, and the server keeps serving', async () => {
    const session = await startSession(fixture().sdk);
    const huge = Buffer.alloc(2 * 1024 * 1024 + 10, 0x61);
    const answer = await rawHttp(fixture().emulator.port, 'POST', connectionsPath(session.id), huge);
    assert.equal(answer.status, 400);
    assert.match(answer.text, /exceeds the 1048576-byte limit/);
    const control = await rawHttp(fixture().emulator.port, 'POST', '/_emulator/stream-groups', huge);
    assert.equal(control.status, 413);
    const output = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(output.Status, 'ACTIVE');
  });

  it('invalid UTF-8 and binary bodies do not break the server', async () => {
    const session = await startSession(fixture().sdk);
    const answer = await rawHttp(
      fixture().emulator.port,
      'POST',
      connectionsPath(session.id),
      Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]),
    );
    assert.equal(answer.status, 400);
    const counters = await right(fixture().control.counters());
    assert.equal(counters.calls.CreateStreamSessionConnection, 1);
  });

  it('a client that disconnects mid-body does not break the server', async () => {
    const session = await startSession(fixture().sdk);
    await new Promise<void>((resolve) => {
      const outgoing = httpRequest({
        host: '127.0.0.1',
        port: fixture().emulator.port,
        method: 'POST',
        path: connectionsPath(session.id),
        headers: { 'content-length': '1000' },
      });
      outgoing.on('error', () => resolve());
      outgoing.write('{"SignalRequest":"par', () => {
        outgoing.destroy();
        resolve();
      });
    });
    const output = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(output.Status, 'ACTIVE');
  });
});
