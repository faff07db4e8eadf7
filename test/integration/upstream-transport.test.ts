import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as E from 'fp-ts/Either';

import type { CallTiming } from '../../src/domain/call-context';
import { decodeReconnectRequest, type ReconnectCommand } from '../../src/domain/request';
import { GameLiftStreams } from '../../src/upstream/gameliftstreams';
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
  const observed: string[] = [];
  const upstream = new GameLiftStreams(
    {
      regions: [REGION],
      target: {
        _tag: 'Endpoint',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'not-a-secret' },
      },
      maxSockets: 4,
      maxAttempts: 3,
      budgetMs,
    },
    { observe: (_operation, outcome) => void observed.push(outcome) },
  );
  const stop = async (): Promise<void> => {
    upstream.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { seen, waiters, observed, connector: upstream.connector, stop };
}

const TOKEN = 'token-kept-across-attempts-0123456789';

function reconnectCommand(): ReconnectCommand {
  const decoded = decodeReconnectRequest({
    maxSignalRequestBytes: 1024,
    defaultRegion: REGION,
    servedRegions: new Set([REGION]),
  })({
    streamGroupIdentifier: 'sg-1AbCdEfGh',
    streamSessionIdentifier: 'ses-1AbCdEfGh',
    signalRequest: 'v=0 offer',
    clientToken: TOKEN,
    userId: undefined,
  });
  if (E.isLeft(decoded)) throw new Error('the test command does not decode');
  return decoded.right;
}

function timing(controller = new AbortController()): CallTiming {
  return { signal: controller.signal, deadline: Date.now() + 60_000 };
}

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
    const outcome = await aws.connector.createStreamSessionConnection(reconnectCommand(), timing())();
    assert.deepEqual(outcome, E.right({ signalResponse: 'v=0 answer', awsRequestId: undefined }));
    assert.deepEqual(aws.seen.tokens, [TOKEN, TOKEN]);
    assert.deepEqual(aws.observed, ['Success']);
  });

  it('closes the request to AWS when its signal fires, not only the call', async () => {
    // Never answers, and no timeout of the client's fires within the test's: only the abort can end the request.
    const aws = await standInForAws(UNREACHED_BUDGET_MS, () => undefined);
    stops.push(aws.stop);
    const controller = new AbortController();
    const call = aws.connector.createStreamSessionConnection(reconnectCommand(), timing(controller))();
    await aws.waiters.until(() => aws.seen.tokens.length === 1);
    controller.abort({ _tag: 'Cancelled' });
    assert.deepEqual(await call, E.left({ _tag: 'Cancelled' }));
    await aws.waiters.until(() => aws.seen.closedEarly === 1);
    assert.equal(aws.seen.tokens.length, 1);
    assert.deepEqual(aws.observed, ['Cancelled']);
  });

  it("ends a call at its budget, closing the request, and leaves the caller's signal alone", async () => {
    const aws = await standInForAws(300, () => undefined);
    stops.push(aws.stop);
    const controller = new AbortController();
    const outcome = await aws.connector.createStreamSessionConnection(reconnectCommand(), timing(controller))();
    assert.deepEqual(outcome, E.left({ _tag: 'DeadlineExceeded', budgetMs: 300 }));
    assert.equal(controller.signal.aborted, false);
    await aws.waiters.until(() => aws.seen.closedEarly >= 1);
    assert.deepEqual(aws.observed, ['DeadlineExceeded']);
  });

  it('does not call AWS at all when the call is already aborted', async () => {
    const aws = await standInForAws(UNREACHED_BUDGET_MS, () => undefined);
    stops.push(aws.stop);
    const controller = new AbortController();
    controller.abort({ _tag: 'DeadlineExceeded', budgetMs: 5 });
    const outcome = await aws.connector.createStreamSessionConnection(reconnectCommand(), timing(controller))();
    assert.deepEqual(outcome, E.left({ _tag: 'DeadlineExceeded', budgetMs: 5 }));
    assert.equal(aws.seen.tokens.length, 0);
    assert.deepEqual(aws.observed, []);
  });
});
