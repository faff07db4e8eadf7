import * as grpc from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { ReconnectObserver } from '../domain/reconnect';
import type { CallMethod, CallObservation, CallObserver } from '../transport/interceptors';
import type { UpstreamObserver, UpstreamOperation } from '../upstream/gameliftstreams';

/** What the reconnects in flight and the admission queue look like right now; read on every scrape. */
export interface FlowSnapshot {
  /** Reconnects whose upstream work is under way, each perhaps shared by several calls. */
  readonly reconnectsInFlight: number;
  readonly queueDepth: number;
  readonly tokensAvailable: number;
  readonly ratePerSecond: number;
}

/** What the access log knows about a finished reconnect that metrics also count. */
export interface ReconnectObservation {
  readonly coalesced: boolean;
  readonly admissionWaitMs: number;
}

type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

interface GrpcLabels {
  readonly grpc_type: GrpcType;
  readonly grpc_service: string;
  readonly grpc_method: string;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function grpcTypeOf(method: CallMethod): GrpcType {
  if (method.requestStream) return method.responseStream ? 'bidi_stream' : 'client_stream';
  return method.responseStream ? 'server_stream' : 'unary';
}

/** "/pkg.Service/Method" → ["pkg.Service", "Method"]. */
function splitPath(path: string): readonly [string, string] {
  const [, service = 'unknown', method = 'unknown'] = path.split('/');
  return [service, method];
}

/**
 * The service's Prometheus metrics, in their own registry (so several services in one test process do not mix):
 * the gRPC server metrics under the names the gRPC ecosystem uses (go-grpc-prometheus), the upstream calls to
 * GameLift Streams, admission and coalescing, and Node's process metrics.
 */
export class ServiceMetrics implements UpstreamObserver, CallObserver, ReconnectObserver {
  readonly registry = new Registry();
  private readonly started: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  private readonly handled: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>;
  private readonly handling: Histogram<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  private readonly upstreamRequests: Counter<'operation' | 'outcome'>;
  private readonly upstreamDuration: Histogram<'operation'>;
  private readonly admissionWait: Histogram;
  /** A method's labels never change: worked out on its first call, not on every call. */
  private readonly labelsByPath = new Map<string, GrpcLabels>();
  private readonly coalesced: Counter;

  constructor(flow: () => FlowSnapshot) {
    const registers = [this.registry];
    const grpcLabels = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
    this.started = new Counter({
      name: 'grpc_server_started_total',
      help: 'RPCs started on the server.',
      labelNames: grpcLabels,
      registers,
    });
    this.handled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed on the server, whatever their status.',
      labelNames: [...grpcLabels, 'grpc_code'],
      registers,
    });
    this.handling = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time from the start of an RPC to its status, in seconds.',
      labelNames: grpcLabels,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.upstreamRequests = new Counter({
      name: 'gameliftstreams_requests_total',
      help: 'Calls to Amazon GameLift Streams, by operation and outcome (Success or the error kind), SDK retries included.',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'gameliftstreams_request_duration_seconds',
      help: 'Duration of calls to Amazon GameLift Streams, SDK retries included, in seconds.',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.admissionWait = new Histogram({
      name: 'reconnect_admission_wait_seconds',
      help: 'Time reconnects waited for admission within the upstream rate, in seconds.',
      buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.coalesced = new Counter({
      name: 'reconnect_coalesced_total',
      help: 'Reconnects that shared an identical in-flight reconnect instead of calling AWS.',
      registers,
    });
    new Gauge({
      name: 'reconnect_in_flight',
      help: 'Reconnects whose call to AWS is under way (waiting for admission or in flight), each perhaps shared by several calls.',
      registers,
      collect() {
        this.set(flow().reconnectsInFlight);
      },
    });
    new Gauge({
      name: 'reconnect_admission_queue_depth',
      help: 'Reconnects waiting for admission right now.',
      registers,
      collect() {
        this.set(flow().queueDepth);
      },
    });
    new Gauge({
      name: 'reconnect_admission_tokens_available',
      help: 'Tokens in the admission bucket right now (calls that could start at once).',
      registers,
      collect() {
        this.set(flow().tokensAvailable);
      },
    });
    new Gauge({
      name: 'reconnect_admission_rate_per_second',
      help: 'The rate admission currently allows, after any backoff from upstream throttling.',
      registers,
      collect() {
        this.set(flow().ratePerSecond);
      },
    });
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges with a counter's "_total" suffix, which Prometheus lint rejects; the same
    // numbers remain, broken down by type, in nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
    for (const misnamed of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(misnamed);
    }
  }

  observe(operation: UpstreamOperation, outcome: string, seconds: number): void {
    this.upstreamRequests.inc({ operation, outcome });
    this.upstreamDuration.observe({ operation }, seconds);
  }

  reconnected(observation: ReconnectObservation): void {
    if (observation.coalesced) {
      this.coalesced.inc();
    } else {
      this.admissionWait.observe(observation.admissionWaitMs / 1000);
    }
  }

  /** Counts every RPC (health checks and refused calls included) from its start to the status it ends with. */
  callStarted(method: CallMethod): CallObservation {
    const labels = this.labelsByPath.get(method.path) ?? this.labelsFor(method);
    this.started.inc(labels);
    const stopTimer = this.handling.startTimer(labels);
    return {
      finished: (code) => {
        this.handled.inc({ ...labels, grpc_code: grpc.status[code] ?? String(code) });
        stopTimer();
      },
    };
  }

  private labelsFor(method: CallMethod): GrpcLabels {
    const [service, name] = splitPath(method.path);
    const labels: GrpcLabels = { grpc_type: grpcTypeOf(method), grpc_service: service, grpc_method: name };
    this.labelsByPath.set(method.path, labels);
    return labels;
  }
}
