import { strict as assert } from 'node:assert';

import * as grpc from '@grpc/grpc-js';

import { ReconnectClient } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { DEMO_STREAM_GROUP_ID } from '../../src/emulator/demo';
import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import { disconnectedDemoSession } from '../support/disconnected-sessions';
import { HealthClient } from '../support/health-client';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { logMessageStartingWith, ServiceProcess } from '../support/service-process';
import { expectLeft, expectRight } from '../support/task-either';

/** A marker inside the offer: it must not appear in anything exported, whatever path the offer takes. */
const OFFER_MARKER = 'tracing-e2e-offer-5b1d7c';
const OFFER = `{"type":"offer","sdp":"v=0 ${OFFER_MARKER}"}`;
const ANSWER_MARKER = 'emulator-answer-';
const BEARER_TOKEN_MARKER = 'collector-token-9e41a0';
/** Sent as metadata with every traced call: metadata values must never become span attributes. */
const METADATA_MARKER = 'metadata-value-3c88e2';

/** The caller's span, as its traceparent names it: the service's server span must continue this trace. */
const CALLER = {
  success: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
  notFound: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
  echoingError: { traceId: '5e0c63257de34c92bf9efcd03927272e', spanId: '1f2e3d4c5b6a7988' },
} as const;

/**
 * Every OTEL_* variable of the surrounding shell, blanked (the SDK, like the service, takes blank for unset): the
 * child process inherits the shell's environment, and a developer's own tracing set-up must not change these tests.
 */
const NO_SHELL_OTEL: Readonly<Record<string, string>> = Object.fromEntries(
  Object.keys(process.env)
    .filter((name) => name.startsWith('OTEL_'))
    .map((name) => [name, '']),
);

/** A quick shutdown (no drain delay), the quotas out of the way, and no fixed port (metrics) to collide on. */
const QUICK = {
  METRICS_PORT: '0',
  RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '0',
  RECONNECT_RATE_CREATE_STREAM_SESSION_CONNECTION: '1000',
  RECONNECT_RATE_GET_STREAM_SESSION: '1000',
  RECONNECT_UPSTREAM_BURST: '1000',
};

function traceparent(caller: { readonly traceId: string; readonly spanId: string }): () => grpc.Metadata {
  return () => {
    const metadata = new grpc.Metadata();
    metadata.set('traceparent', `00-${caller.traceId}-${caller.spanId}-01`);
    metadata.set('x-tracing-e2e', METADATA_MARKER);
    return metadata;
  };
}

const reconnectRequest = (sessionId: string) => ({
  streamGroupIdentifier: DEMO_STREAM_GROUP_ID,
  streamSessionIdentifier: sessionId,
  signalRequest: OFFER,
});

const isTracingLine = logMessageStartingWith('traces ');

/** SIGTERM, then the whole graceful shutdown: spans still buffered are exported before the process exits. */
async function stopGracefully(service: ServiceProcess): Promise<void> {
  service.signal('SIGTERM');
  const exit = await service.exited();
  assert.deepEqual(exit, { code: 0, signal: null });
}

const RECONNECT_SPAN = 'grpc.reconnect.v1.ReconnectService/ReconnectStreamSession';
const CONNECTION_SPAN = 'GameLiftStreams.CreateStreamSessionConnection';

function only(
  spans: ReadonlyArray<ReceivedSpan>,
  matches: (span: ReceivedSpan) => boolean,
  what: string,
): ReceivedSpan {
  const found = spans.filter(matches);
  assert.equal(found.length, 1, `expected one ${what}, got ${JSON.stringify(found, null, 2)}`);
  const [span] = found;
  assert.ok(span !== undefined);
  return span;
}

function serverSpanOf(spans: ReadonlyArray<ReceivedSpan>, traceId: string): ReceivedSpan {
  return only(spans, (span) => span.traceId === traceId && span.kind === 'SERVER', `SERVER span in trace ${traceId}`);
}

function awsSpanUnder(spans: ReadonlyArray<ReceivedSpan>, parent: ReceivedSpan): ReceivedSpan {
  return only(spans, (span) => span.parentSpanId === parent.spanId, `child span of ${parent.name}`);
}

describe('traces of the process (node dist/src/main.js with the standard OTEL_* variables)', function () {
  this.timeout(60_000);

  describe('on: OTLP/HTTP to a collector on 127.0.0.1', () => {
    let receiver: OtlpReceiver;
    let service: ServiceProcess | undefined;
    let spans: ReadonlyArray<ReceivedSpan> = [];
    let notFoundMessage = '';

    // One process serves every kind of call below, then stops: with a batch delay far longer than the test, only the
    // flush at shutdown can have exported the spans the tests read.
    before(async () => {
      receiver = await OtlpReceiver.start();
      service = await ServiceProcess.start({
        ...NO_SHELL_OTEL,
        ...QUICK,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesEndpoint,
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: `authorization=Bearer ${BEARER_TOKEN_MARKER}`,
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      });
      const address = service.grpcAddress;
      const tracedBy = (caller: (typeof CALLER)[keyof typeof CALLER]): ReconnectClient =>
        new ReconnectClient(address, grpc.credentials.createInsecure(), { metadata: traceparent(caller) });
      const clients = [tracedBy(CALLER.success), tracedBy(CALLER.notFound), tracedBy(CALLER.echoingError)] as const;
      const [succeeding, notFinding, refusedOne] = clients;
      const untraced = new ReconnectClient(address);
      const health = new HealthClient(address);
      try {
        const session = await disconnectedDemoSession(service);
        const answer = await expectRight(succeeding.reconnectStreamSession(reconnectRequest(session)));
        assert.equal(answer.signalResponse, emulatorSignalResponse(OFFER));

        const notFound = await expectLeft(notFinding.reconnectStreamSession(reconnectRequest('NoSuchSession1')));
        assert.equal(notFound.code, grpc.status.NOT_FOUND, notFound.message);
        notFoundMessage = notFound.message;

        // AWS may quote what it refuses; here it quotes the whole offer, in its message.
        const echoed = await disconnectedDemoSession(service);
        await expectRight(
          new EmulatorControl(service.emulatorEndpoint).injectFault({
            operation: 'CreateStreamSessionConnection',
            fault: {
              kind: 'error',
              errorName: 'ValidationException',
              message: `signalRequest ${OFFER} is not acceptable`,
            },
            count: 1,
          }),
        );
        const refused = await expectLeft(refusedOne.reconnectStreamSession(reconnectRequest(echoed)));
        assert.equal(refused.code, grpc.status.INVALID_ARGUMENT, refused.message);

        await expectRight(
          untraced.getStreamSession({ streamGroupIdentifier: DEMO_STREAM_GROUP_ID, streamSessionIdentifier: session }),
        );
        assert.equal(await expectRight(health.check('')), 'SERVING');
      } finally {
        for (const client of clients) client.close();
        untraced.close();
        health.close();
      }
      await stopGracefully(service);
      spans = receiver.spans;
    });
    after(async () => {
      service?.kill();
      await receiver.close();
    });

    it('says at start-up that traces are on and where they go, without the URL path or the headers', () => {
      const line = service?.logs.find(isTracingLine);
      assert.match(
        String(line?.msg),
        /^traces on: exported by otlp \(http\/json\) to http:\/\/127\.0\.0\.1:\d+; sampler parentbased_always_on/,
      );
      assert.ok(!String(line?.msg).includes('/v1/traces'), String(line?.msg));
      assert.ok(!JSON.stringify(service?.logs).includes(BEARER_TOKEN_MARKER), 'the collector token must not be logged');
    });

    it('exported the spans at shutdown, as valid OTLP, with the service name', () => {
      assert.deepEqual(receiver.rejected, []);
      assert.ok(spans.length > 0, 'no span reached the collector');
      assert.ok(service?.messages().includes('shutdown: traces exported'), JSON.stringify(service?.messages()));
      for (const span of spans) {
        assert.equal(span.resource['service.name'], 'gameliftstreams-reconnect');
      }
    });

    it("a SERVER span per RPC continues the caller's trace, under the caller's span", () => {
      const server = serverSpanOf(spans, CALLER.success.traceId);
      assert.equal(server.name, RECONNECT_SPAN);
      assert.equal(server.parentSpanId, CALLER.success.spanId);
      assert.equal(server.attributes['rpc.system'], 'grpc');
      assert.equal(server.attributes['rpc.service'], 'reconnect.v1.ReconnectService');
      assert.equal(server.attributes['rpc.method'], 'ReconnectStreamSession');
      assert.equal(server.attributes['rpc.grpc.status_code'], grpc.status.OK);
      // OpenTelemetry leaves a successful span UNSET: OK is for an operator's explicit override.
      assert.equal(server.status.code, 'UNSET');
    });

    it('the AWS call is a CLIENT span under the server span, with its request id', () => {
      const server = serverSpanOf(spans, CALLER.success.traceId);
      const aws = awsSpanUnder(spans, server);
      assert.equal(aws.name, CONNECTION_SPAN);
      assert.equal(aws.kind, 'CLIENT');
      assert.equal(aws.traceId, CALLER.success.traceId);
      assert.equal(aws.attributes['rpc.system'], 'aws-api');
      assert.equal(aws.attributes['rpc.method'], 'CreateStreamSessionConnection');
      assert.equal(aws.attributes['cloud.region'], 'us-west-2');
      assert.match(String(aws.attributes['aws.request.id']), /^[0-9a-f-]{36}$/);
      assert.equal(aws.status.code, 'UNSET');
    });

    it('a failed call: ERROR on the server span with the gRPC status code, and on the AWS span with the error type', () => {
      const server = serverSpanOf(spans, CALLER.notFound.traceId);
      assert.equal(server.parentSpanId, CALLER.notFound.spanId);
      assert.equal(server.status.code, 'ERROR');
      assert.equal(server.attributes['rpc.grpc.status_code'], grpc.status.NOT_FOUND);
      const aws = awsSpanUnder(spans, server);
      assert.equal(aws.name, CONNECTION_SPAN);
      assert.equal(aws.status.code, 'ERROR');
      assert.equal(aws.attributes['http.response.status_code'], 404);
      // The same id the caller's status message names, so a failure can be followed from the caller to AWS.
      assert.ok(
        notFoundMessage.includes(`AWS request id ${String(aws.attributes['aws.request.id'])}`),
        notFoundMessage,
      );
      assert.deepEqual(
        aws.events.map((event) => [event.name, event.attributes['exception.type']]),
        [['exception', 'ResourceNotFoundException']],
      );
    });

    it('keeps no AWS message: AWS may quote the request it refuses', () => {
      const server = serverSpanOf(spans, CALLER.echoingError.traceId);
      assert.equal(server.status.code, 'ERROR');
      assert.equal(server.attributes['rpc.grpc.status_code'], grpc.status.INVALID_ARGUMENT);
      const aws = awsSpanUnder(spans, server);
      assert.equal(aws.status.code, 'ERROR');
      assert.equal(aws.status.message, undefined);
      assert.deepEqual(aws.events, [{ name: 'exception', attributes: { 'exception.type': 'ValidationException' } }]);
    });

    it('exports no signal string and no metadata value, anywhere', () => {
      for (const body of receiver.bodies) {
        assert.ok(!body.includes(OFFER_MARKER), 'an offer was exported');
        assert.ok(!body.includes(ANSWER_MARKER), 'an answer was exported');
        assert.ok(!body.includes(METADATA_MARKER), 'a metadata value was exported');
      }
    });

    it('a call without trace context starts a trace of its own', () => {
      const server = only(
        spans,
        (span) => span.name === 'grpc.reconnect.v1.ReconnectService/GetStreamSession',
        'GetStreamSession server span',
      );
      assert.equal(server.parentSpanId, undefined);
      assert.equal(awsSpanUnder(spans, server).name, 'GameLiftStreams.GetStreamSession');
    });

    it('does not trace health checks', () => {
      assert.deepEqual(
        spans.filter((span) => span.name.includes('grpc.health.v1')).map((span) => span.name),
        [],
      );
    });
  });

  describe('off', () => {
    let receiver: OtlpReceiver;
    let service: ServiceProcess | undefined;

    beforeEach(async () => {
      receiver = await OtlpReceiver.start();
    });
    afterEach(async () => {
      service?.kill();
      await receiver.close();
    });

    it('by default: says so at start-up, and serves', async () => {
      service = await ServiceProcess.start({ ...NO_SHELL_OTEL, ...QUICK });
      const line = await service.untilLogged(isTracingLine);
      assert.equal(line.msg, 'traces off: set OTEL_TRACES_EXPORTER or OTEL_EXPORTER_OTLP_ENDPOINT to turn it on');
      const client = new ReconnectClient(service.grpcAddress);
      try {
        const answer = await expectRight(
          client.reconnectStreamSession(reconnectRequest(await disconnectedDemoSession(service))),
        );
        assert.equal(answer.signalResponse, emulatorSignalResponse(OFFER));
      } finally {
        client.close();
      }
      await stopGracefully(service);
      assert.ok(!service.messages().some((message) => message.includes('traces exported')));
    });

    it('OTEL_TRACES_EXPORTER=none wins over an endpoint: nothing reaches the collector, even at shutdown', async () => {
      service = await ServiceProcess.start({
        ...NO_SHELL_OTEL,
        ...QUICK,
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.tracesEndpoint.replace(/\/v1\/traces$/, ''),
      });
      assert.equal((await service.untilLogged(isTracingLine)).msg, 'traces off: OTEL_TRACES_EXPORTER is none');
      const client = new ReconnectClient(service.grpcAddress, grpc.credentials.createInsecure(), {
        metadata: traceparent(CALLER.success),
      });
      try {
        await expectRight(client.reconnectStreamSession(reconnectRequest(await disconnectedDemoSession(service))));
      } finally {
        client.close();
      }
      await stopGracefully(service);
      assert.deepEqual(receiver.bodies, []);
      assert.deepEqual(receiver.rejected, []);
    });
  });

  it('a value the SDK would ignore stops start-up, naming the variable', async () => {
    await assert.rejects(
      ServiceProcess.start({ ...NO_SHELL_OTEL, OTEL_TRACES_EXPORTER: 'otlpp', OTEL_TRACES_SAMPLER: 'sometimes' }),
      (error: Error) =>
        /"code":1/.test(error.message) &&
        error.message.includes('OTEL_TRACES_EXPORTER: "otlpp"') &&
        error.message.includes('OTEL_TRACES_SAMPLER: "sometimes"'),
    );
  });
});
