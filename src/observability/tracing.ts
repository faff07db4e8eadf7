import { trace, type Span } from '@opentelemetry/api';
import { AwsInstrumentation, type AwsSdkRequestHookInformation } from '@opentelemetry/instrumentation-aws-sdk';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { NodeSDK, resources } from '@opentelemetry/sdk-node';

import { messageFreeTracerProvider } from './message-free-tracer-provider';
import { DEFAULT_TRACING_SERVICE_NAME } from './tracing-settings';

/**
 * Probes call health every few seconds: a span each would drown the calls that matter. On the server the
 * instrumentation matches the method name alone, and no other service we serve has a method of these names.
 */
const UNTRACED_METHODS: ReadonlyArray<string> = ['Check', 'Watch'];

/**
 * The instrumentation looks for a failed call's request id where the v2 SDK kept it; the v3 SDK's errors carry it in
 * `$metadata`. With it, the span of a failure names the id that our status message and AWS support quote.
 */
function recordFailedRequestId(span: Span, _request: AwsSdkRequestHookInformation, error: unknown): void {
  const metadata = typeof error === 'object' && error !== null && '$metadata' in error ? error.$metadata : undefined;
  const requestId =
    typeof metadata === 'object' && metadata !== null && 'requestId' in metadata ? metadata.requestId : undefined;
  if (typeof requestId === 'string') {
    span.setAttribute('aws.request.id', requestId);
  }
}

export type TracingStop = 'flushed' | 'failed' | 'timed-out';

export interface RunningTracing {
  /** Exports what is still buffered and stops; bounded by `flushLimitMs`, never rejects, the same promise every time. */
  stop(): Promise<TracingStop>;
  /** The trace of the span active now (the RPC's server span, in a handler), if it is a valid one. */
  currentTraceId(): string | undefined;
}

function boundedShutdown(sdk: NodeSDK, flushLimitMs: number): Promise<TracingStop> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<TracingStop>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), flushLimitMs);
  });
  const shutdown = sdk.shutdown().then(
    (): TracingStop => 'flushed',
    (): TracingStop => 'failed',
  );
  return Promise.race([shutdown, limit]).finally(() => clearTimeout(timer));
}

/**
 * Registers the gRPC and AWS SDK instrumentations and the SDK configured by the standard OTEL_* variables (exporter,
 * endpoint, headers, sampler, propagators, batching, resource), traces only: metrics are Prometheus's, logs pino's.
 * Must run before @grpc/grpc-js and the AWS SDK are loaded, or their modules are not patched.
 *
 * What the spans hold: a SERVER span per RPC, in the trace of the caller's `traceparent`, with the method, the service
 * and the gRPC status code (no metadata: `authorization` carries bearer tokens); a CLIENT child per AWS call with the
 * operation, region, AWS request id and HTTP status, never the request's or the response's parameters, and no AWS
 * free-text message (see message-free-tracer-provider.ts).
 */
export function startTracing(flushLimitMs: number): RunningTracing {
  // suppressInternalInstrumentation: should an HTTP instrumentation ever be added, the SDK's own request would be a
  // second span saying the same thing.
  const aws = new AwsInstrumentation({ suppressInternalInstrumentation: true, exceptionHook: recordFailedRequestId });
  const grpc = new GrpcInstrumentation({ ignoreGrpcMethods: [...UNTRACED_METHODS] });
  const sdk = new NodeSDK({
    // Under the detected resource, so OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES still win.
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ 'service.name': DEFAULT_TRACING_SERVICE_NAME })),
    instrumentations: [grpc, aws],
    // Empty rather than absent: absent, the SDK would start OTLP metric and log exporters of its own.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // After start, which hands every instrumentation the global provider; synchronously, so before any AWS call.
  aws.setTracerProvider(messageFreeTracerProvider(trace.getTracerProvider()));
  let stopping: Promise<TracingStop> | undefined;
  return {
    stop: () => {
      stopping ??= boundedShutdown(sdk, flushLimitMs);
      return stopping;
    },
    currentTraceId: () => {
      const spanContext = trace.getActiveSpan()?.spanContext();
      return spanContext !== undefined && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
    },
  };
}
