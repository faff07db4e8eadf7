import * as grpc from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { ReconnectObserver } from '../domain/reconnect';
import type { CallMethod, CallObservation, CallObserver } from '../transport/interceptors';
import type { AdmissionState, BudgetKey, UpstreamOperation } from '../domain/admission';
import type { FleetObserver, FleetSharing } from '../fleet/fleet';
import type { UpstreamObserver } from '../upstream/gameliftstreams';
import type { PollObserver } from '../domain/group-poller';
import { WATCH_EVENT_NAMES, type WatchEventName, type WatchStreamObserver } from '../transport/watch-stream';

/** How the budgets are shared now: through Redis, alone while it is unreachable, or cooling down after it came back. */
export type FleetMode = 'alone' | 'shared' | 'degraded' | 'cooling';

/** What the calls in flight, the budgets and the fleet look like right now; read on every scrape. */
export interface FlowSnapshot {
  /** Reconnects whose upstream work is under way, each perhaps shared by several calls. */
  readonly reconnectsInFlight: number;
  /** GetStreamSession reads under way, each perhaps shared by several calls. */
  readonly readsInFlight: number;
  readonly ownersRemembered: number;
  readonly budgets: ReadonlyArray<{ readonly key: BudgetKey; readonly state: AdmissionState }>;
  readonly fleetMode: FleetMode;
  readonly watchStreamsOpen: number;
  readonly watchedGroups: number;
}

/** What the access log knows about a finished reconnect that metrics also count. */
export interface ReconnectObservation {
  readonly coalesced: boolean;
  readonly admissionWaitMs: number;
}

/**
 * How often the event-loop delay monitor samples, in ms. prom-client's default (10 ms) wakes an idle replica 100 times
 * a second, a cost paid for every second and not per call, so it outweighs the few calls a second a replica serves at
 * AWS's quota. A stall at least this long always delays a sample and is measured; a shorter one only when it covers a
 * sample's moment, so the event-loop lag percentiles now speak of stalls of this length and more.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

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
export class ServiceMetrics
  implements UpstreamObserver, CallObserver, ReconnectObserver, FleetObserver, PollObserver, WatchStreamObserver
{
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
  private readonly redisCalls: Histogram<'command' | 'outcome'>;
  private readonly fleetModeChanges: Counter<'mode'>;
  private readonly watchEvents: Counter<'type'>;
  private readonly watchPolls: Counter<'outcome'>;

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
      name: 'reconnect_session_reads_in_flight',
      help: 'GetStreamSession reads under way (waiting for admission or in flight), each perhaps shared by several calls.',
      registers,
      collect() {
        this.set(flow().readsInFlight);
      },
    });
    new Gauge({
      name: 'reconnect_session_owners_remembered',
      help: 'Session owners remembered, so a reconnect naming its player does not read the session again.',
      registers,
      collect() {
        this.set(flow().ownersRemembered);
      },
    });
    const budgetGauge = (name: string, help: string, value: (state: AdmissionState) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['region', 'operation'],
        registers,
        collect() {
          this.reset();
          for (const { key, state } of flow().budgets) {
            this.set({ region: key.region, operation: key.operation }, value(state));
          }
        },
      });
    };
    budgetGauge(
      'reconnect_admission_queue_depth',
      'Calls waiting for admission right now, per budget (region, operation), on this replica.',
      (state) => state.queueDepth,
    );
    budgetGauge(
      'reconnect_admission_tokens_available',
      'Calls that could start at once right now, per budget (region, operation), as this replica sees it.',
      (state) => state.tokensAvailable,
    );
    budgetGauge(
      'reconnect_admission_rate_per_second',
      "The rate a budget (region, operation) admits now, after any backoff from upstream throttling: the fleet's, or this replica's share while Redis is unreachable.",
      (state) => state.ratePerSecond,
    );
    new Gauge({
      name: 'reconnect_fleet_mode',
      help: 'How the budgets are shared: 1 for the current mode (alone: no Redis configured; shared; degraded: Redis unreachable; cooling: back, at the outage share for a while).',
      labelNames: ['mode'],
      registers,
      collect() {
        const current = flow().fleetMode;
        for (const mode of ['alone', 'shared', 'degraded', 'cooling'] as const) {
          this.set({ mode }, mode === current ? 1 : 0);
        }
      },
    });
    this.redisCalls = new Histogram({
      name: 'reconnect_redis_call_seconds',
      help: "Calls to the fleet's Redis, by command and outcome (ok, or failed: refused, timed out, not connected), in seconds.",
      labelNames: ['command', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.fleetModeChanges = new Counter({
      name: 'reconnect_fleet_mode_changes_total',
      help: 'Changes of how the budgets are shared, by the mode entered (shared, degraded, cooling).',
      labelNames: ['mode'],
      registers,
    });
    new Gauge({
      name: 'reconnect_watch_streams_open',
      help: 'WatchStreamSessions streams open on this replica.',
      registers,
      collect() {
        this.set(flow().watchStreamsOpen);
      },
    });
    new Gauge({
      name: 'reconnect_watch_groups',
      help: 'Stream groups watched from this replica (each polled once per interval while someone watches it).',
      registers,
      collect() {
        this.set(flow().watchedGroups);
      },
    });
    this.watchEvents = new Counter({
      name: 'reconnect_watch_events_sent_total',
      help: 'Messages sent on WatchStreamSessions streams, by type (snapshot_session, snapshot_complete, disconnected, reconnected, ended).',
      labelNames: ['type'],
      registers,
    });
    this.watchPolls = new Counter({
      name: 'reconnect_watch_polls_total',
      help: "Polls of watched stream groups (every page of ListStreamSessions), by outcome: Success or the failure's kind.",
      labelNames: ['outcome'],
      registers,
    });
    for (const type of WATCH_EVENT_NAMES) this.watchEvents.inc({ type }, 0);
    this.watchPolls.inc({ outcome: 'Success' }, 0);
    // Present from the first scrape, so dashboards and alerts see every series before anything happened.
    for (const mode of ['shared', 'degraded', 'cooling'] as const) this.fleetModeChanges.inc({ mode }, 0);
    for (const command of ['admit', 'record', 'lease'] as const) this.redisCalls.zero({ command, outcome: 'ok' });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
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

  polled(outcome: string): void {
    this.watchPolls.inc({ outcome });
  }

  eventSent(event: WatchEventName): void {
    this.watchEvents.inc({ type: event });
  }

  called(command: string, outcome: 'ok' | 'failed', seconds: number): void {
    this.redisCalls.observe({ command, outcome }, seconds);
  }

  modeChanged(mode: FleetSharing): void {
    this.fleetModeChanges.inc({ mode });
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
