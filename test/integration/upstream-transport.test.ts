import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CreateStreamSessionConnectionCommand } from '@aws-sdk/client-gameliftstreams';
import * as E from 'fp-ts/Either';

import { RegionalClients } from '../../src/upstream/regional-clients';
import { ConditionWaiters } from '../support/condition-waiters';

const REGION = 'us-west-2';

/** What the stand-in for AWS saw: each request's ClientToken, and how many request connections closed early. */
interface Seen {
  readonly tokens: string[];
  closedEarly: number;
}

/**
 * A loopback HTTP server in place of GameLift Streams, answering CreateStreamSessionConnection as `answer`
 * decides: the emulator has no fault that breaks an answer halfway, and these tests need exactly that.
 */
async function standInForAws(budgetMs: number, answer: (attempt: number, response: ServerResponse) => void) {
  const seen: Seen = { tokens: [], closedEarly: 0 };
  const waiters = new ConditionWaiters();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const token = typeof body === 'object' && body !== null && 'ClientToken' in body ? String(body.ClientToken) : '';
      seen.tokens.push(token);
      response.on('close', () => {
        if (!response.writableFinished) seen.closedEarly += 1;
        waiters.changed();
      });
      answer(seen.tokens.length, response);
      waiters.changed();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const clients = new RegionalClients({
    regions: [REGION],
    target: { _tag: 'Endpoint', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'not-a-secret' } },
    maxSockets: 4,
    maxAttempts: 3,
    budgetMs,
  });
  const client = clients.clientFor(REGION);
  if (E.isLeft(client)) throw new Error('no client for the region');
  const stop = async (): Promise<void> => {
    clients.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { seen, waiters, client: client.right, stop };
}

const reconnect = () =>
  new CreateStreamSessionConnectionCommand({
    Identifier: 'sg-1AbCdEfGh',
    StreamSessionIdentifier: 'ses-1AbCdEfGh',
    SignalRequest: 'v=0 offer',
    ClientToken: 'token-kept-across-attempts',
  });

/** A budget whose per-attempt timeouts are far beyond the test's own timeout: only an abort can end a request. */
const UNREACHED_BUDGET_MS = 600_000;

describe('the upstream client over real connections (a loopback stand-in for AWS)', () => {
  // Stopped after each test even when it failed or timed out, so no server or socket keeps mocha from exiting.
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('retries an answer whose connection breaks while its body is read, with the same ClientToken', async () => {
    const aws = await standInForAws(10_000, (attempt, response) => {
      if (attempt === 1) {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
        response.write('{"SignalResponse":');
        setImmediate(() => response.socket?.destroy());
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ SignalResponse: 'v=0 answer' }));
    });
    stops.push(aws.stop);
    const output = await aws.client.send(reconnect(), { abortSignal: new AbortController().signal });
    assert.equal(output.SignalResponse, 'v=0 answer');
    assert.deepEqual(aws.seen.tokens, ['token-kept-across-attempts', 'token-kept-across-attempts']);
  });

  it('closes the request to AWS when its signal fires, not only the call', async () => {
    // Never answers, and no timeout of the client's fires within the test's: only the abort can end the request.
    const aws = await standInForAws(UNREACHED_BUDGET_MS, () => undefined);
    stops.push(aws.stop);
    const controller = new AbortController();
    const call = aws.client.send(reconnect(), { abortSignal: controller.signal });
    await aws.waiters.until(() => aws.seen.tokens.length === 1);
    controller.abort({ _tag: 'CallerCancelled' });
    await assert.rejects(call, (reason: unknown) => {
      assert.deepEqual(reason, { _tag: 'CallerCancelled' });
      return true;
    });
    await aws.waiters.until(() => aws.seen.closedEarly === 1);
    assert.equal(aws.seen.tokens.length, 1);
  });
});
