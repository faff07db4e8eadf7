import type * as grpc from '@grpc/grpc-js';
import type * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import type { Config } from './config';
import { getStreamSession } from './domain/get-stream-session';
import { reconnectStreamSession, type AdmittedAnswer } from './domain/reconnect';
import { ReconnectCoalescer } from './domain/reconnect-coalescer';
import { realScheduler } from './domain/scheduler';
import type { StreamSessionConnector } from './domain/stream-session-connector';
import { TokenBucketAdmission, unlimitedAdmission } from './domain/upstream-admission';
import type { Logger } from './logging/logger';
import { ServiceMetrics } from './observability/metrics';
import { startMetricsServer, type RunningMetricsServer } from './observability/metrics-server';
import { ANONYMOUS_LOOPBACK_CALLER, CallerRegistry } from './security/caller-registry';
import { AUTHENTICATED_CALLER_KEY, callAuthentication } from './transport/call-authentication';
import { callInterceptor } from './transport/call-interceptor';
import { serverCredentials } from './transport/server-credentials';
import { bindServer, createGrpcServer, RECONNECT_SERVICE_NAME, receiveLimitFor } from './transport/grpc-server';
import { createServiceHealth } from './transport/health';
import { addReflection, DEFAULT_DESCRIPTOR_SET_PATH, describeReflectionSetupError } from './transport/reflection';
import { reconnectServiceImplementation } from './transport/reconnect-service';
import { servingControls, type ServingControls } from './transport/serving-controls';
import { gameLiftStreamsConnector } from './upstream/gameliftstreams-connector';
import { gameLiftStreamsSessionReader } from './upstream/gameliftstreams-session-reader';
import { RegionalClients, type UpstreamTarget } from './upstream/regional-clients';

/** The parts of the configuration the service itself uses (the rest concern the process and the emulator). */
export type ServiceConfig = Pick<
  Config,
  | 'grpcHost'
  | 'grpcPort'
  | 'regions'
  | 'maxSignalRequestBytes'
  | 'deadlineBudgetMs'
  | 'upstreamMaxSockets'
  | 'upstreamMaxAttempts'
  | 'admission'
  | 'reflectionEnabled'
  | 'grpcServer'
  | 'security'
  | 'metrics'
>;

export interface ServiceSettings extends ServiceConfig {
  readonly upstream: UpstreamTarget;
  readonly logger: Logger;
  /** Wraps the real connector; tests use it to force a defect inside the pipeline. */
  readonly decorateConnector?: (connector: StreamSessionConnector) => StreamSessionConnector;
}

/** What is in flight inside the service: for tests that check nothing is left running, and for metrics. */
export interface ServiceDiagnostics {
  readonly reconnectsInFlight: number;
  readonly admissionQueueDepth: number;
  /** The rate admission currently allows, after any backoff; undefined when admission is off. */
  readonly admittedRatePerSecond: number | undefined;
}

/** A bound, serving service; stopping it also releases the AWS clients. */
export interface RunningService extends ServingControls {
  readonly port: number;
  readonly server: grpc.Server;
  diagnostics(): ServiceDiagnostics;
  /** Where GET /metrics is served, when metrics are on. */
  readonly metricsPort: number | undefined;
  /** Re-reads the callers file (SIGHUP); calls in flight are not affected, and a bad file leaves the old one. */
  reloadCallers(): Promise<E.Either<string, number>>;
}

/** Health checks stay reachable without credentials (load balancers and probes carry none), unless configured. */
const HEALTH_METHODS: ReadonlySet<string> = new Set(['/grpc.health.v1.Health/Check', '/grpc.health.v1.Health/Watch']);

/** A call admitted later than its deadline minus this could not finish its AWS call in time, so it is refused. */
const ADMISSION_RESERVE_MS = 250;
/** A call AWS throttles despite admission goes back through admission this many times (the rate has halved). */
const THROTTLE_RETRIES = 2;

/** The composition root shared by main.ts and the end-to-end tests: everything wired, one port bound. */
export function startReconnectService(settings: ServiceSettings): TE.TaskEither<Error, RunningService> {
  const [defaultRegion = 'us-west-2'] = settings.regions;
  const regionPolicy = { defaultRegion, servedRegions: new Set(settings.regions) };
  const clients = new RegionalClients({
    regions: settings.regions,
    target: settings.upstream,
    maxSockets: settings.upstreamMaxSockets,
    maxAttempts: settings.upstreamMaxAttempts,
    budgetMs: settings.deadlineBudgetMs,
  });
  const tokenBucket = settings.admission.enabled
    ? new TokenBucketAdmission(
        {
          ratePerSecond: settings.admission.ratePerSecond,
          burst: settings.admission.burst,
          queueLimit: settings.admission.queueLimit,
          reserveMs: ADMISSION_RESERVE_MS,
        },
        realScheduler,
      )
    : undefined;
  const metrics = new ServiceMetrics(() => ({
    queueDepth: tokenBucket?.queueDepth() ?? 0,
    tokensAvailable: tokenBucket?.tokensAvailable(),
    ratePerSecond: tokenBucket?.currentRate(),
  }));
  const realConnector = gameLiftStreamsConnector(clients, settings.deadlineBudgetMs, metrics);
  const connector = settings.decorateConnector === undefined ? realConnector : settings.decorateConnector(realConnector);
  const coalescer = new ReconnectCoalescer<AdmittedAnswer>();
  const sessionReader = gameLiftStreamsSessionReader(clients, settings.deadlineBudgetMs, metrics);
  const reconnect = reconnectStreamSession({
    policy: { ...regionPolicy, maxSignalRequestBytes: settings.maxSignalRequestBytes },
    connector,
    reader: sessionReader,
    admission: tokenBucket ?? unlimitedAdmission,
    coalescer,
    throttleRetries: THROTTLE_RETRIES,
    clock: () => performance.now(),
  });
  const diagnostics = (): ServiceDiagnostics => ({
    reconnectsInFlight: coalescer.inFlight(),
    admissionQueueDepth: tokenBucket?.queueDepth() ?? 0,
    admittedRatePerSecond: tokenBucket?.currentRate(),
  });
  const readSession = getStreamSession({
    policy: regionPolicy,
    reader: sessionReader,
    now: () => new Date(),
  });
  const health = createServiceHealth([RECONNECT_SERVICE_NAME]);
  const { security } = settings;
  // No authentication at all is only possible on loopback: configuration refuses it elsewhere.
  const anonymous =
    security.callersFile === undefined && security.tls?.clientCaFile === undefined ? ANONYMOUS_LOOPBACK_CALLER : undefined;
  const callers = new CallerRegistry(security.callersFile, anonymous);
  const authenticate = callAuthentication({
    policy: {
      directory: () => callers.current(),
      clientCertificates: security.tls?.clientCaFile !== undefined,
      anonymous,
    },
    exemptMethods: security.healthRequiresAuthentication ? new Set() : HEALTH_METHODS,
    logger: settings.logger,
  });
  const server = createGrpcServer(
    reconnectServiceImplementation({
      reconnect,
      getStreamSession: readSession,
      logger: settings.logger,
      deadlineBudgetMs: settings.deadlineBudgetMs,
      observeReconnect: (result) => metrics.observeReconnect(result),
      resolveCaller: (metadata) => {
        const [name] = metadata.get(AUTHENTICATED_CALLER_KEY);
        return typeof name === 'string' ? callers.resolve(name) : undefined;
      },
    }),
    {
      maxMessageBytes: receiveLimitFor(settings.maxSignalRequestBytes),
      tuning: settings.grpcServer,
      // One interceptor for all three, so each call's events pass one layer, not three. Metrics see every status
      // the call sends, so refused calls are counted too; authentication reads the metadata before it is passed on,
      // so no handler sees an unauthenticated call; open health Watch streams are tracked, so a stop can end them.
      interceptors: [callInterceptor({ observer: metrics, authenticate, openCalls: health.watches })],
    },
  );
  health.addToServer(server);
  const reflection = {
    enabled: settings.reflectionEnabled,
    descriptorSetPath: DEFAULT_DESCRIPTOR_SET_PATH,
    requiredServices: [RECONNECT_SERVICE_NAME],
  };
  return pipe(
    addReflection(server, reflection),
    TE.mapLeft((error) => new Error(describeReflectionSetupError(error))),
    TE.chainFirst(() => pipe(() => callers.reload(), TE.mapLeft((problem) => new Error(problem)))),
    TE.chain(() => pipe(() => serverCredentials(security.tls), TE.mapLeft((problem) => new Error(problem)))),
    TE.chain((credentials) => bindServer(server, settings.grpcHost, settings.grpcPort, credentials)),
    TE.chain((port) =>
      pipe(
        settings.metrics.enabled
          ? pipe(
              startMetricsServer(metrics.registry, settings.metrics.host, settings.metrics.port),
              TE.map((running): RunningMetricsServer | undefined => running),
            )
          : TE.right<Error, RunningMetricsServer | undefined>(undefined),
        TE.map((metricsServer) => ({ port, metricsServer })),
        TE.orElseFirst(() => TE.fromIO(() => server.forceShutdown())),
      ),
    ),
    TE.map(({ port, metricsServer }) => ({
      port,
      server,
      diagnostics,
      reloadCallers: () => callers.reload(),
      metricsPort: metricsServer?.port,
      ...servingControls(server, health, () => {
        clients.destroy();
        void metricsServer?.close();
      }),
    })),
    TE.orElseFirst(() => TE.fromIO(() => clients.destroy())),
  );
}
