// First, before any other module compiles: the compile cache serves every module loaded after it.
import './compile-cache';
// Then, before anything that loads @grpc/grpc-js or the AWS SDK: tracing can only patch them as they load.
import { processTracing } from './observability/tracing-preload';

import * as E from 'fp-ts/Either';

import { startReconnectService, type RunningService } from './app';
import { loadConfig, type Config, type SecuritySettings } from './config';
import { listenForStopSignals } from './graceful-shutdown';
import { createLogger, type Logger } from './logging/logger';
import type { UpstreamTarget } from './upstream/gameliftstreams';

/** What the service calls, and what the process started for it (the embedded emulator) that must be closed. */
interface Upstream {
  readonly target: UpstreamTarget;
  readonly description: string;
  readonly emulatorEndpoint: string | undefined;
  readonly close: () => Promise<void>;
}

async function prepareUpstream(config: Config, logger: Logger): Promise<E.Either<string, Upstream>> {
  switch (config.backend) {
    case 'aws':
      return E.right({
        target: { _tag: 'Aws' },
        description: `Amazon GameLift Streams in ${config.regions.join(', ')} (standard AWS configuration)`,
        emulatorEndpoint: undefined,
        close: () => Promise.resolve(),
      });
    case 'emulator': {
      // Loaded only when it is the backend: a deployment on AWS never runs a line of the emulator.
      const { startEmbeddedEmulator } = await import('./emulator/embedded');
      const started = await startEmbeddedEmulator({
        host: config.emulatorHost,
        port: config.emulatorPort,
        regions: config.regions,
        logger: logger.child({ component: 'emulator' }, { level: 'warn' }),
      });
      if (E.isLeft(started)) {
        return started;
      }
      const emulator = started.right;
      return E.right({
        target: emulator.target,
        description: emulator.description,
        emulatorEndpoint: emulator.endpoint,
        close: async () => {
          await emulator.close();
          logger.info('shutdown: embedded emulator closed');
        },
      });
    }
  }
}

function describeAuthentication(security: SecuritySettings): string {
  const transport =
    security.tls === undefined ? 'plaintext' : security.tls.clientCaFile === undefined ? 'TLS' : 'mutual TLS';
  const callers = security.callersFile === undefined ? '' : `, bearer tokens from ${security.callersFile}`;
  const anonymous = security.callersFile === undefined && security.tls?.clientCaFile === undefined;
  return anonymous ? `${transport}, no authentication (loopback only)` : `${transport}${callers}`;
}

/** SIGHUP re-reads the callers file without dropping calls; a bad file is reported and the old one kept. */
function reloadCallersOnSighup(service: RunningService, logger: Logger): void {
  process.on('SIGHUP', () => {
    void service.reloadCallers().then(
      (outcome) => {
        if (E.isRight(outcome)) {
          logger.info({ credentials: outcome.right }, 'callers file reloaded');
        } else {
          logger.error(`callers file not reloaded; the previous one stays in force: ${outcome.left}`);
        }
      },
      (defect: unknown) =>
        logger.error({ err: defect }, 'callers file not reloaded (defect); the previous one stays in force'),
    );
  });
}

/** Writes a line to stderr and ends the process: for failures before the logger exists, and for defects. */
function abort(line: string): void {
  process.stderr.write(`${line}\n`);
  // Explicitly: whatever start-up left open (the emulator's listening socket, say) must not keep the process alive.
  process.exit(1);
}

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (E.isLeft(loaded)) {
    return abort(loaded.left);
  }
  if (E.isLeft(processTracing)) {
    return abort(processTracing.left);
  }
  const config = loaded.right;
  const tracing = processTracing.right;
  const logger = createLogger(
    config.logLevel,
    config.logFormat === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : config.logFormat,
  );
  // pino writes asynchronously and process.exit would cut a write in flight short (or let it land after the lines
  // written synchronously on exit), so the last lines are flushed, in order, first; before them, the spans still
  // buffered are exported (bounded), or the last calls' traces would be lost. Exits whether or not the spans could
  // be exported: a failed export must not keep the process alive.
  const exit = (code: number): void => {
    const flushAndExit = (): void => logger.flush(() => process.exit(code));
    void tracing.stop(logger).then(flushAndExit, flushAndExit);
  };
  // Before anything is bound, so that no signal finds the process without its shutdown sequence.
  const signals = listenForStopSignals({ settings: config.shutdown, logger, exit });

  const upstream = await prepareUpstream(config, logger);
  if (E.isLeft(upstream)) {
    logger.fatal(upstream.left);
    return exit(1);
  }
  const service = await startReconnectService({
    ...config,
    upstream: upstream.right.target,
    logger,
    currentTraceId: tracing.currentTraceId,
  })();
  if (E.isLeft(service)) {
    logger.fatal(`could not serve gRPC on ${config.grpcHost}:${config.grpcPort}: ${service.left.message}`);
    await upstream.right.close();
    return exit(1);
  }
  const { security } = config;
  logger.info(
    {
      grpcPort: service.right.port,
      healthPort: service.right.healthPort,
      emulatorEndpoint: upstream.right.emulatorEndpoint,
      reflection: config.reflectionEnabled,
      shutdownGraceMs: config.shutdown.graceMs,
      tls: security.tls === undefined ? 'off' : security.tls.clientCaFile === undefined ? 'on' : 'mutual',
      callersFile: security.callersFile,
      metricsPort: service.right.metricsPort,
    },
    `reconnect.v1.ReconnectService serving gRPC on ${config.grpcHost}:${service.right.port}, backed by ${upstream.right.description}; ${describeAuthentication(security)}`,
  );
  tracing.announce(logger);
  reloadCallersOnSighup(service.right, logger);
  signals.serve({ service: service.right, releaseUpstream: upstream.right.close });
}

main().catch((defect: unknown) =>
  abort(`fatal: ${defect instanceof Error ? (defect.stack ?? defect.message) : String(defect)}`),
);
