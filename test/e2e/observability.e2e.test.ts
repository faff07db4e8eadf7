import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { ReconnectServiceClient, type ReconnectStreamSessionResponse } from '../../src/gen/reconnect/v1/reconnect';
import { createLogger, flatLineLogger } from '../../src/logging/logger';
import { GROUP_ID, disconnectedSession, useHarness } from '../support/service-harness';
import { metricValue, scrape } from '../support/metrics-scrape';
import { expectRight } from '../support/task-either';

const OFFER = '{"type":"offer","sdp":"v=0 observability-fixture"}';
const PROMTOOL = '/usr/bin/promtool';

interface RawOutcome {
  readonly error: grpc.ServiceError | null;
  readonly response: ReconnectStreamSessionResponse | undefined;
  readonly responseRequestId: string | undefined;
}

/** Calls with the generated client directly, to send x-request-id and read the response's initial metadata. */
function rawReconnect(address: string, sessionId: string, requestId: string | undefined): Promise<RawOutcome> {
  const client = new ReconnectServiceClient(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (requestId !== undefined) metadata.set('x-request-id', requestId);
  return new Promise((resolve) => {
    let responseRequestId: string | undefined;
    const call = client.reconnectStreamSession(
      { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: sessionId, signalRequest: OFFER },
      metadata,
      { deadline: Date.now() + 10_000 },
      (error, response) => {
        client.close();
        resolve({ error, response, responseRequestId });
      },
    );
    call.on('metadata', (received: grpc.Metadata) => {
      const [value] = received.get('x-request-id');
      responseRequestId = typeof value === 'string' ? value : undefined;
    });
  });
}

describe('observability: access logs and Prometheus metrics', function () {
  this.timeout(30_000);
  const harness = useHarness();

  describe('access log', () => {
    it('writes one line per RPC with who, what, how it ended and how long, and returns the caller request id', async () => {
      const session = await disconnectedSession(harness());
      const before = harness().logs.entries().length;
      const outcome = await rawReconnect(harness().address, session.id, 'matchmaker-req-42');
      assert.equal(outcome.error, null);
      assert.equal(outcome.responseRequestId, 'matchmaker-req-42');
      const lines = harness()
        .logs.entries()
        .slice(before)
        .filter((entry) => entry.method === '/reconnect.v1.ReconnectService/ReconnectStreamSession');
      assert.equal(lines.length, 1);
      const [line] = lines;
      assert.equal(line?.code, 0);
      assert.equal(line?.codeName, 'OK');
      assert.equal(line?.caller, 'anonymous-loopback');
      assert.equal(line?.requestId, 'matchmaker-req-42');
      assert.equal(line?.coalesced, false);
      assert.equal(typeof line?.durationMs, 'number');
      assert.equal(typeof line?.admissionWaitMs, 'number');
      assert.match(String(line?.awsRequestId), /^[0-9a-f-]{36}$/);
      const seen = await expectRight(harness().control.requests('CreateStreamSessionConnection'));
      assert.ok(seen.requests.length > 0);
    });

    it('generates a request id when the caller sends none (or an unusable one), and logs failures with their AWS request id', async () => {
      const generated = await rawReconnect(harness().address, 'NoSuchSession1', undefined);
      assert.equal(generated.error?.code, grpc.status.NOT_FOUND);
      assert.match(generated.responseRequestId ?? '', /^[0-9a-f-]{36}$/);
      const replaced = await rawReconnect(harness().address, 'NoSuchSession1', 'bad id with spaces {"forged":true}');
      assert.match(replaced.responseRequestId ?? '', /^[0-9a-f-]{36}$/);
      const line = harness()
        .logs.entries()
        .find((entry) => entry.requestId === generated.responseRequestId);
      assert.equal(line?.codeName, 'NOT_FOUND');
      assert.equal(line?.reason, 'STREAM_SESSION_NOT_FOUND');
      assert.match(String(line?.awsRequestId), /^[0-9a-f-]{36}$/);
    });

    it('never carries the signal strings, even when a future log call passes them', () => {
      const lines: string[] = [];
      const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
      logger.info(
        {
          signalRequest: 'MARKER-OFFER',
          request: { signalResponse: 'MARKER-ANSWER', authorization: 'Bearer MARKER-TOKEN' },
        },
        'oops',
      );
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines.join(''), /MARKER/);
      assert.match(lines.join(''), /\[redacted\]/);
    });

    it('censors the same field names in a flat line (the access line) as in any other', () => {
      const lines: string[] = [];
      const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
      flatLineLogger(logger).log(
        'info',
        { signalRequest: 'MARKER-OFFER', clientToken: 'MARKER-TOKEN', userId: 'MARKER-PLAYER', code: 0 },
        'rpc OK',
      );
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines.join(''), /MARKER/);
      const entry = JSON.parse(lines.join('')) as Record<string, unknown>;
      assert.deepEqual(
        [entry.signalRequest, entry.clientToken, entry.userId, entry.code],
        ['[redacted]', '[redacted]', '[redacted]', 0],
      );
    });
  });

  describe('metrics', () => {
    it('counts RPCs, their codes and durations under the gRPC ecosystem names', async () => {
      const beforeText = await scrape(harness().service.metricsPort);
      const labels = {
        grpc_type: 'unary',
        grpc_service: 'reconnect.v1.ReconnectService',
        grpc_method: 'ReconnectStreamSession',
      };
      const startedBefore = metricValue(beforeText, 'grpc_server_started_total', labels);
      const notFoundBefore = metricValue(beforeText, 'grpc_server_handled_total', {
        ...labels,
        grpc_code: 'NOT_FOUND',
      });
      const okBefore = metricValue(beforeText, 'grpc_server_handled_total', { ...labels, grpc_code: 'OK' });
      const session = await disconnectedSession(harness());
      assert.ok(
        E.isRight(
          await harness().client.reconnectStreamSession({
            streamGroupIdentifier: GROUP_ID,
            streamSessionIdentifier: session.id,
            signalRequest: OFFER,
          })(),
        ),
      );
      assert.ok(
        E.isLeft(
          await harness().client.reconnectStreamSession({
            streamGroupIdentifier: GROUP_ID,
            streamSessionIdentifier: 'NoSuchSession1',
            signalRequest: OFFER,
          })(),
        ),
      );
      const text = await scrape(harness().service.metricsPort);
      assert.equal(metricValue(text, 'grpc_server_started_total', labels) - startedBefore, 2);
      assert.equal(metricValue(text, 'grpc_server_handled_total', { ...labels, grpc_code: 'OK' }) - okBefore, 1);
      assert.equal(
        metricValue(text, 'grpc_server_handled_total', { ...labels, grpc_code: 'NOT_FOUND' }) - notFoundBefore,
        1,
      );
      assert.ok(metricValue(text, 'grpc_server_handling_seconds_count', labels) >= 2);
      assert.ok(
        metricValue(text, 'gameliftstreams_requests_total', {
          operation: 'CreateStreamSessionConnection',
          outcome: 'Success',
        }) >= 1,
      );
      assert.ok(
        metricValue(text, 'gameliftstreams_requests_total', {
          operation: 'CreateStreamSessionConnection',
          outcome: 'UpstreamResourceNotFound',
        }) >= 1,
      );
      assert.ok(
        metricValue(text, 'gameliftstreams_request_duration_seconds_count', {
          operation: 'CreateStreamSessionConnection',
        }) >= 2,
      );
      for (const name of [
        'reconnect_admission_queue_depth',
        'reconnect_admission_tokens_available',
        'reconnect_admission_rate_per_second',
        'reconnect_admission_wait_seconds_count',
        'reconnect_coalesced_total',
        'process_cpu_user_seconds_total',
        'nodejs_heap_size_used_bytes',
      ]) {
        assert.match(text, new RegExp(`^${name}`, 'm'), `${name} is exported`);
      }
    });

    it('counts coalesced reconnects', async () => {
      const session = await disconnectedSession(harness());
      await expectRight(
        harness().control.injectFault({
          operation: 'CreateStreamSessionConnection',
          fault: { kind: 'latency', ms: 300 },
          probability: 1,
        }),
      );
      try {
        const before = metricValue(await scrape(harness().service.metricsPort), 'reconnect_coalesced_total', {});
        const request = { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id, signalRequest: OFFER };
        await Promise.all(Array.from({ length: 5 }, () => harness().client.reconnectStreamSession(request)()));
        assert.equal(
          metricValue(await scrape(harness().service.metricsPort), 'reconnect_coalesced_total', {}) - before,
          4,
        );
      } finally {
        await expectRight(harness().control.clearFaults());
      }
    });

    it('passes promtool check metrics', async function () {
      if (!existsSync(PROMTOOL)) {
        // CI installs Debian's prometheus package and must run this check; a developer machine may not have it.
        assert.notEqual(process.env.CI, 'true', `${PROMTOOL} is missing in CI: install the Debian package prometheus`);
        this.skip();
      }
      const text = await scrape(harness().service.metricsPort);
      const result = await new Promise<{ code: number; output: string }>((resolve) => {
        const child = execFile(PROMTOOL, ['check', 'metrics'], { timeout: 10_000 }, (error, stdout, stderr) => {
          resolve({
            code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
            output: `${stdout}${stderr}`,
          });
        });
        child.stdin?.end(text);
      });
      assert.equal(result.code, 0, result.output);
    });

    it('answers 404 outside /metrics', async () => {
      const response = await fetch(`http://127.0.0.1:${harness().service.metricsPort ?? 0}/other`, {
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(response.status, 404);
    });
  });

  describe('the dashboard and alert rules in docs/', () => {
    const docs = join(__dirname, '..', '..', '..', 'docs');
    const METRIC_PREFIXES = /\b(?:grpc_server_|gameliftstreams_|reconnect_|process_|nodejs_)[a-z0-9_]+/g;

    function expressions(): string[] {
      const dashboard = JSON.parse(readFileSync(join(docs, 'grafana-dashboard.json'), 'utf8')) as {
        panels: Array<{ targets: Array<{ expr: string }> }>;
      };
      const rules = readFileSync(join(docs, 'alerts.yaml'), 'utf8');
      return [...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)), rules];
    }

    it('refer only to metrics the service exports', async () => {
      const session = await disconnectedSession(harness());
      await harness().client.reconnectStreamSession({
        streamGroupIdentifier: GROUP_ID,
        streamSessionIdentifier: session.id,
        signalRequest: OFFER,
      })();
      const exported = new Set(
        (await scrape(harness().service.metricsPort))
          .split('\n')
          .filter((line) => line.length > 0 && !line.startsWith('#'))
          .map((line) => line.split(/[{ ]/)[0] ?? ''),
      );
      const referenced = new Set(expressions().flatMap((expr) => expr.match(METRIC_PREFIXES) ?? []));
      assert.ok(referenced.size >= 10, 'the dashboard and rules should use the metrics');
      const missing = [...referenced].filter((name) => !exported.has(name));
      assert.deepEqual(missing, []);
    });

    it('the alert rules pass promtool check rules', async function () {
      if (!existsSync(PROMTOOL)) {
        assert.notEqual(process.env.CI, 'true', `${PROMTOOL} is missing in CI: install the Debian package prometheus`);
        this.skip();
      }
      const code = await new Promise<number>((resolve) => {
        execFile(PROMTOOL, ['check', 'rules', join(docs, 'alerts.yaml')], { timeout: 10_000 }, (error) => {
          resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : 1);
        });
      });
      assert.equal(code, 0);
    });
  });
});
