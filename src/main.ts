// First, before anything that loads @grpc/grpc-js or the AWS SDK: tracing can only patch them as they load.
import { processTracing } from './observability/tracing-preload';

import * as E from 'fp-ts/Either';

import { startReconnectService, type RunningService } from './app';
import { loadConfig, type Config, type SecuritySettings } from './config';
import { DEMO_STREAM_GROUP_ID, seedDemo } from './emulator/demo';
import { EmulatorControl } from './emulator/control-client';
import { EMULATOR_SDK_CREDENTIALS } from './emulator/sdk-credentials';
import { startEmulator, type RunningEmulator } from './emulator/server';
import { stopOnSignals } from './graceful-shutdown';
import { createLogger, type Logger } from './logging/logger';
import type { UpstreamTarget } from './upstream/regional-clients';


interface Upstream {
  readonly target: UpstreamTarget;
  readonly description: string;
  readonly emulator: RunningEmulator | undefined;
}

async function prepareUpstream(config: Config, logger: Logger): Promise<E.Either<string, Upstream>> {
  switch (config.backend) {
    case 'aws':
      return E.right({
        target: { _tag: 'Aws' },
        description: `Amazon GameLift Streams in ${config.regions.join(', ')} (standard AWS configuration)`,
        emulator: undefined,
      });
    case 'emulator': {
      const [region = 'us-west-2'] = config.regions;
      const started = await startEmulator({
        host: config.emulatorHost,
        port: config.emulatorPort,
        region,
        logger: logger.child({ component: 'emulator' }, { level: 'warn' }),
      })();
      if (E.isLeft(started)) {
        return E.left(`could not start the embedded emulator on ${config.emulatorHost}:${config.emulatorPort}: ${started.left.message}`);
      }
      const emulator = started.right;
      const seeded = await seedDemo(new EmulatorControl(emulator.endpoint))();
      if (E.isLeft(seeded)) {
        await emulator.close();
        return E.left(`could not seed the embedded emulator: ${seeded.left.message}`);
      }
      return E.right({
        target: { _tag: 'Endpoint', endpoint: emulator.endpoint, credentials: EMULATOR_SDK_CREDENTIALS },
        description: `the embedded GameLift Streams emulator at ${emulator.endpoint} (demo stream group ${DEMO_STREAM_GROUP_ID}; set RECONNECT_BACKEND=aws for real AWS)`,
        emulator,
      });
    }
    default: {
      const unreachable: never = config.backend;
      return unreachable;
    }
  }
}

function describeAuthentication(security: SecuritySettings): string {
  const transport = security.tls === undefined ? 'plaintext' : security.tls.clientCaFile === undefined ? 'TLS' : 'mutual TLS';
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
      (defect: unknown) => logger.error({ err: defect }, 'callers file not reloaded (defect); the previous one stays in force'),
    );
  });
}

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  if (E.isLeft(config)) {
    process.stderr.write(`${config.left}\n`);
    return 1;
  }
  if (E.isLeft(processTracing)) {
    process.stderr.write(`${processTracing.left}\n`);
    return 1;
  }
  const tracing = processTracing.right;
  const { logFormat } = config.right;
  const logger = createLogger(
    config.right.logLevel,
    logFormat === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : logFormat,
  );
  const upstream = await prepareUpstream(config.right, logger);
  if (E.isLeft(upstream)) {
    logger.fatal(upstream.left);
    return 1;
  }
  const service = await startReconnectService({ ...config.right, upstream: upstream.right.target, logger })();
  if (E.isLeft(service)) {
    logger.fatal(`could not serve gRPC on ${config.right.grpcHost}:${config.right.grpcPort}: ${service.left.message}`);
    await upstream.right.emulator?.close();
    return 1;
  }
  const emulator = upstream.right.emulator;
  const { security } = config.right;
  logger.info(
    {
      grpcPort: service.right.port,
      emulatorEndpoint: emulator?.endpoint,
      reflection: config.right.reflectionEnabled,
      shutdownGraceMs: config.right.shutdown.graceMs,
      tls: security.tls === undefined ? 'off' : security.tls.clientCaFile === undefined ? 'on' : 'mutual',
      callersFile: security.callersFile,
      metricsPort: service.right.metricsPort,
    },
    `reconnect.v1.ReconnectService serving gRPC on ${config.right.grpcHost}:${service.right.port}, backed by ${upstream.right.description}; ${describeAuthentication(security)}`,
  );
  tracing.announce(logger);
  reloadCallersOnSighup(service.right, logger);
  stopOnSignals({
    service: service.right,
    settings: config.right.shutdown,
    releaseUpstream: async () => {
      if (emulator !== undefined) {
        await emulator.close();
        logger.info('shutdown: embedded emulator closed');
      }
    },
    logger,
    // pino writes asynchronously and process.exit would cut a write in flight short (or let it land after the
    // lines written synchronously on exit), so the last shutdown lines are flushed, in order, first; before them,
    // the spans still buffered are exported (bounded), or the last calls' traces would be lost.
    exit: (code) => {
      const flushAndExit = (): void => logger.flush(() => process.exit(code));
      // Exits whether or not the spans could be exported: a failed export must not keep the process alive.
      void tracing.stop(logger).then(flushAndExit, flushAndExit);
    },
  });
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) {
      process.exitCode = code;
    }
  },
  (defect: unknown) => {
    process.stderr.write(`fatal: ${defect instanceof Error ? (defect.stack ?? defect.message) : String(defect)}\n`);
    process.exitCode = 1;
  },
);
