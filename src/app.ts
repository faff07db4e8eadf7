import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import type { Config } from './config';
import { BudgetRegistry, TokenBucketAdmission, realScheduler, type UpstreamBudgets } from './domain/admission';
import { getStreamSession } from './domain/get-stream-session';
import { groupPollerStarter, type GroupPollerDependencies, type PollObserver } from './domain/group-poller';
import { LocalFeeds } from './domain/local-feeds';
import type { StreamSessionConnector, StreamSessionLister, StreamSessionReader } from './domain/ports';
import { ReconnectFlights, reconnectStreamSession, unsharedLeases, type ReconnectLeases } from './domain/reconnect';
import { SessionReads } from './domain/sessions';
import { WatchStreams } from './domain/watch';
import type { StartGroupPoller, StreamGroupFeeds } from './domain/watch-feed';
import type { Logger } from './logging/logger';
import { ServiceMetrics, type FleetMode } from './observability/metrics';
import { startMetricsServer, type RunningMetricsServer } from './observability/metrics-server';
import { ANONYMOUS_LOOPBACK_CALLER } from './security/authentication';
import { CallerRegistry } from './security/callers-file';
import { bindServer, createGrpcServer, RECONNECT_SERVICE_NAME, receiveLimitFor } from './transport/grpc-server';
import { closeHealthPortServer, createHealthPortServer } from './transport/health-port';
import {
  accessLogInterceptor,
  authenticationInterceptor,
  metricsInterceptor,
  openCallTrackingInterceptor,
} from './transport/interceptors';
import { addReflection, DEFAULT_DESCRIPTOR_SET_PATH, describeReflectionSetupError } from './transport/reflection';
import { reconnectServiceImplementation } from './transport/reconnect-service';
import { serverCredentials } from './transport/server-credentials';
import {
  createServiceHealth,
  HEALTH_CHECK_METHODS,
  servingControls,
  type ServiceHealth,
  type ServingControls,
} from './transport/serving';
import { Fleet, type FleetObserver } from './fleet/fleet';
import { fleetFeedsSettings } from './fleet/fleet-feeds';
import { GameLiftStreams, type UpstreamObserver, type UpstreamTarget } from './upstream/gameliftstreams';

/**
 * The composition root, shared by main.ts, the end-to-end tests and the benchmark: `wire` builds a service from its
 * settings and foundations without any I/O; `start` loads its files and binds its ports. Production uses the
 * foundations built from the configuration; a test or the benchmark passes its own.
 */

/** The parts of the configuration the service itself uses (the rest concern the process and the emulator). */
export type ServiceConfig = Pick<
  Config,
  | 'grpcHost'
  | 'grpcPort'
  | 'healthPort'
  | 'regions'
  | 'maxSignalRequestBytes'
  | 'deadlineBudgetMs'
  | 'upstreamMaxSockets'
  | 'upstreamMaxAttempts'
  | 'admission'
  | 'fleet'
  | 'owners'
  | 'watch'
  | 'reflectionEnabled'
  | 'grpcServer'
  | 'security'
  | 'metrics'
>;

export interface ServiceSettings extends ServiceConfig {
  readonly upstream: UpstreamTarget;
  readonly logger: Logger;
  /** The trace id of the call being served, for its access line: the process's tracing knows it, when it is on. */
  readonly currentTraceId?: () => string | undefined;
}

/** The disconnect feeds of the watched stream groups, and how many groups this replica watches now (for metrics). */
export interface ServiceFeeds extends StreamGroupFeeds {
  watchedGroups(): number;
}

/**
 * What the use cases stand on: the ports to GameLift Streams, the budgets in front of them (the process's own, or
 * the fleet's through Redis), the leases of reconnects in flight across the fleet, and the watched groups' feeds.
 */
export interface ServiceFoundations {
  readonly connector: StreamSessionConnector;
  readonly reader: StreamSessionReader;
  readonly lister: StreamSessionLister;
  readonly budgets: UpstreamBudgets;
  readonly leases: ReconnectLeases;
  readonly feeds: ServiceFeeds;
  readonly fleetMode: () => FleetMode;
  /** Opens what they need before the service serves (the fleet's Redis); fails only for a bad setting. */
  readonly open: () => Promise<E.Either<string, void>>;
  /** Releases what they hold (the SDK clients' connections, Redis); must not reject. */
  readonly release: () => Promise<void>;
}

/** What the foundations report to: the metrics that count every AWS and Redis call, and every poll. */
export type FoundationsObserver = UpstreamObserver & FleetObserver & PollObserver;

/** Builds the foundations, given the metrics that count every AWS and Redis call. */
export type FoundationsFactory = (observer: FoundationsObserver) => ServiceFoundations;

/** A call admitted later than its deadline minus this could not finish its AWS call in time, so it is refused. */
const ADMISSION_RESERVE_MS = 250;
/** A call AWS throttles despite admission goes back through admission this many times (the rate has halved). */
const THROTTLE_RETRIES = 2;

const listenerDefect =
  (logger: Logger) =>
  (defect: unknown): void =>
    logger.error({ err: defect }, 'defect in a watch stream listener; it no longer hears its feed');

const pollerDefect =
  (logger: Logger) =>
  (defect: unknown): void =>
    logger.error({ err: defect }, 'defect in a group poller; its feed ends WATCH_POLLS_FAILING');

/** A poller per watched group, started for this process's own subscribers: the feeds without a fleet. */
export function localFeeds(startPoller: StartGroupPoller, logger: Logger): LocalFeeds {
  return new LocalFeeds(startPoller, listenerDefect(logger));
}

/** What a group's poller needs from the foundations and the settings. */
function pollerDependencies(
  settings: ServiceSettings,
  upstream: { readonly lister: StreamSessionLister; readonly reader: StreamSessionReader },
  budgets: UpstreamBudgets,
  observer: PollObserver,
): GroupPollerDependencies {
  const { pollIntervalMs, assumedConnectionTimeoutSeconds, failedPollsLimit } = settings.watch;
  return {
    lister: upstream.lister,
    reader: upstream.reader,
    budgets,
    rounds: { throttleRetries: THROTTLE_RETRIES, clock: () => performance.now() },
    scheduler: realScheduler,
    settings: { pollIntervalMs, assumedConnectionTimeoutSeconds, failedPollsLimit },
    observer,
    onDefect: pollerDefect(settings.logger),
  };
}

/** Production's foundations: one SDK client per served region, and admission at the configured rate. */
export function productionFoundations(settings: ServiceSettings): FoundationsFactory {
  return (observer) => {
    const gameLiftStreams = new GameLiftStreams(
      {
        regions: settings.regions,
        target: settings.upstream,
        maxSockets: settings.upstreamMaxSockets,
        maxAttempts: settings.upstreamMaxAttempts,
        budgetMs: settings.deadlineBudgetMs,
      },
      observer,
    );
    const { rates, burst, queueLimit } = settings.admission;
    const { redis, maxReplicas, cooldownMs } = settings.fleet;
    const upstream = {
      connector: gameLiftStreams.connector,
      reader: gameLiftStreams.reader,
      lister: gameLiftStreams.lister,
    };
    if (redis === undefined) {
      const budgets = new BudgetRegistry(
        (key) =>
          new TokenBucketAdmission(
            { ratePerSecond: rates[key.operation], burst, queueLimit, reserveMs: ADMISSION_RESERVE_MS },
            realScheduler,
          ),
      );
      const feeds = localFeeds(
        groupPollerStarter(pollerDependencies(settings, upstream, budgets, observer)),
        settings.logger,
      );
      return {
        ...upstream,
        budgets,
        leases: unsharedLeases,
        feeds,
        fleetMode: () => 'alone',
        open: () => Promise.resolve(E.right(undefined)),
        release: async () => {
          await feeds.close();
          gameLiftStreams.destroy();
        },
      };
    }
    const fleet = new Fleet(
      { ...redis, maxReplicas, cooldownMs, rates, burst, queueLimit, reserveMs: ADMISSION_RESERVE_MS },
      settings.logger,
      observer,
      realScheduler,
    );
    // One replica polls each watched group for the fleet; while Redis is unreachable, each polls for its own.
    const startPoller = groupPollerStarter(pollerDependencies(settings, upstream, fleet.budgets, observer));
    const alone = localFeeds(startPoller, settings.logger);
    const shared = fleet.feeds(
      startPoller,
      alone,
      fleetFeedsSettings(settings.watch.pollIntervalMs),
      listenerDefect(settings.logger),
    );
    return {
      ...upstream,
      budgets: fleet.budgets,
      leases: fleet.leases,
      feeds: {
        subscribe: (group, listener) => shared.subscribe(group, listener),
        close: () => shared.close(),
        watchedGroups: () => shared.watchedGroups() + alone.watchedGroups(),
      },
      fleetMode: () => fleet.mode(),
      open: () => fleet.start(),
      // Stopping the fleet closes its feeds, and with them the ones it fell back to.
      release: async () => {
        await fleet.stop();
        gameLiftStreams.destroy();
      },
    };
  };
}

/** A service built and ready to start: nothing read, nothing bound. */
export interface WiredService {
  readonly settings: ServiceSettings;
  readonly server: grpc.Server;
  readonly health: ServiceHealth;
  readonly metrics: ServiceMetrics;
  readonly callers: CallerRegistry;
  /** The open watch streams, which a stop ends before it waits for the calls in flight. */
  readonly watches: WatchStreams;
  readonly open: () => Promise<E.Either<string, void>>;
  readonly release: () => Promise<void>;
}

/** Builds the service: the use cases on their foundations, the gRPC server with its interceptors, health and metrics. */
export function wire(
  settings: ServiceSettings,
  foundations: FoundationsFactory = productionFoundations(settings),
): WiredService {
  const [defaultRegion = 'us-west-2'] = settings.regions;
  const regionPolicy = { defaultRegion, servedRegions: new Set(settings.regions) };
  const flights = new ReconnectFlights();
  // Read on each scrape only, once `parts` and `sessions` exist.
  const metrics = new ServiceMetrics(() => ({
    reconnectsInFlight: flights.inFlight(),
    readsInFlight: sessions.state().readsInFlight,
    ownersRemembered: sessions.state().ownersRemembered,
    budgets: parts.budgets.states(),
    fleetMode: parts.fleetMode(),
    watchStreamsOpen: watches.openStreams(),
    watchedGroups: parts.feeds.watchedGroups(),
  }));
  const parts = foundations(metrics);
  const rounds = { throttleRetries: THROTTLE_RETRIES, clock: () => performance.now() };
  const sessions = new SessionReads({
    reader: parts.reader,
    budgets: parts.budgets,
    rounds,
    owners: settings.owners,
    now: () => Date.now(),
  });
  const reconnect = reconnectStreamSession({
    policy: { ...regionPolicy, maxSignalRequestBytes: settings.maxSignalRequestBytes },
    connector: parts.connector,
    sessions,
    budgets: parts.budgets,
    rounds,
    leases: parts.leases,
    flights,
    observer: metrics,
  });
  const readSession = getStreamSession({ policy: regionPolicy, sessions, now: () => new Date() });
  const watches = new WatchStreams({
    policy: regionPolicy,
    feeds: parts.feeds,
    maxStreamsPerCaller: settings.watch.maxStreamsPerCaller,
  });
  const health = createServiceHealth([RECONNECT_SERVICE_NAME]);
  const { security } = settings;
  const callers = new CallerRegistry(security.callersFile);
  // No authentication at all is only possible on loopback: configuration refuses it elsewhere.
  const anonymous =
    security.callersFile === undefined && security.tls?.clientCaFile === undefined
      ? ANONYMOUS_LOOPBACK_CALLER
      : undefined;
  const server = createGrpcServer(
    reconnectServiceImplementation(
      {
        reconnect,
        getStreamSession: readSession,
        watches,
      },
      {
        logger: settings.logger,
        deadlineBudgetMs: settings.deadlineBudgetMs,
        currentTraceId: settings.currentTraceId ?? (() => undefined),
      },
      {
        logger: settings.logger,
        currentTraceId: settings.currentTraceId ?? (() => undefined),
        bufferMessages: settings.watch.bufferMessages,
        observer: metrics,
      },
    ),
    {
      maxMessageBytes: receiveLimitFor(settings.maxSignalRequestBytes),
      tuning: settings.grpcServer,
      interceptors: [
        metricsInterceptor(metrics),
        accessLogInterceptor({ logger: settings.logger, quietMethods: HEALTH_CHECK_METHODS }),
        openCallTrackingInterceptor(health.watches),
        authenticationInterceptor({
          policy: {
            directory: () => callers.current(),
            clientCertificates: security.tls?.clientCaFile !== undefined,
            anonymous,
          },
          exemptMethods: security.healthRequiresAuthentication ? new Set() : HEALTH_CHECK_METHODS,
        }),
      ],
    },
  );
  health.addToServer(server);
  return { settings, server, health, metrics, callers, watches, open: parts.open, release: parts.release };
}

/** A bound, serving service; stopping it also releases the AWS clients. */
export interface RunningService extends ServingControls {
  readonly port: number;
  /** Where health alone is served in plaintext, for probes (GRPC_HEALTH_PORT), when it is set. */
  readonly healthPort: number | undefined;
  /** Where GET /metrics is served, when metrics are on. */
  readonly metricsPort: number | undefined;
  /** Re-reads the callers file (SIGHUP); calls in flight are not affected, and a bad file leaves the old one. */
  reloadCallers(): Promise<E.Either<string, number>>;
}

/** Loads what the service reads (descriptor set, callers file, TLS files), binds the gRPC port, then metrics. */
export function start(wired: WiredService): TE.TaskEither<Error, RunningService> {
  const { settings, server, callers, metrics, health } = wired;
  const reflection = {
    enabled: settings.reflectionEnabled,
    descriptorSetPath: DEFAULT_DESCRIPTOR_SET_PATH,
    requiredServices: [RECONNECT_SERVICE_NAME],
  };
  const startMetrics: TE.TaskEither<Error, RunningMetricsServer | undefined> = settings.metrics.enabled
    ? startMetricsServer(metrics.registry, settings.metrics.host, settings.metrics.port)
    : TE.right(undefined);
  return pipe(
    addReflection(server, reflection),
    TE.mapLeft((error) => new Error(describeReflectionSetupError(error))),
    TE.tap(() =>
      pipe(
        () => callers.reload(),
        TE.mapLeft((problem) => new Error(problem)),
      ),
    ),
    // Before the port is bound: a fleet replica serves once it knows whether it can share its budgets.
    TE.tap(() =>
      pipe(
        () => wired.open(),
        TE.mapLeft((problem) => new Error(problem)),
      ),
    ),
    TE.flatMap(() =>
      pipe(
        () => serverCredentials(settings.security.tls),
        TE.mapLeft((problem) => new Error(problem)),
      ),
    ),
    TE.flatMap((credentials) => bindServer(server, settings.grpcHost, settings.grpcPort, credentials)),
    TE.flatMap((port) =>
      pipe(
        bindHealthPort(wired),
        TE.flatMap((healthPort) =>
          pipe(
            startMetrics,
            TE.map((metricsServer) => ({ port, healthPort, metricsServer })),
            TE.tapError(() => TE.fromIO(() => healthPort?.server.forceShutdown())),
          ),
        ),
        TE.tapError(() => TE.fromIO(() => server.forceShutdown())),
      ),
    ),
    TE.map(({ port, healthPort, metricsServer }) => ({
      port,
      healthPort: healthPort?.port,
      reloadCallers: () => callers.reload(),
      metricsPort: metricsServer?.port,
      ...servingControls(server, health, {
        // Watch streams never end by themselves: left open they would hold the stop for its whole grace.
        endStreams: () => wired.watches.endAll(),
        release: async () => {
          await wired.release();
          await metricsServer?.close();
          // Last: probes see NOT_SERVING until the calls in flight are done.
          if (healthPort !== undefined) await closeHealthPortServer(healthPort.server);
        },
      }),
    })),
    TE.tapError(() => TE.fromTask(wired.release)),
  );
}

/** The plaintext health port, when one is configured, on the gRPC host. */
function bindHealthPort(
  wired: WiredService,
): TE.TaskEither<Error, { readonly server: grpc.Server; readonly port: number } | undefined> {
  const { healthPort, grpcHost } = wired.settings;
  if (healthPort === undefined) {
    return TE.right(undefined);
  }
  const healthServer = createHealthPortServer(wired.health);
  return pipe(
    bindServer(healthServer, grpcHost, healthPort, grpc.ServerCredentials.createInsecure()),
    TE.map((port) => ({ server: healthServer, port })),
  );
}

/** The service as production builds it. */
export function startReconnectService(settings: ServiceSettings): TE.TaskEither<Error, RunningService> {
  return start(wire(settings));
}
