import type * as grpc from '@grpc/grpc-js';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import { reconnectStreamSession } from './domain/reconnect';
import type { StreamSessionConnector } from './domain/stream-session-connector';
import type { Logger } from './logging/logger';
import { bindServer, createGrpcServer, receiveLimitFor, shutdownServer } from './transport/grpc-server';
import { reconnectServiceImplementation } from './transport/reconnect-service';
import { gameLiftStreamsConnector } from './upstream/gameliftstreams-connector';
import { RegionalClients, type UpstreamTarget } from './upstream/regional-clients';

export interface ServiceSettings {
  readonly grpcHost: string;
  readonly grpcPort: number;
  readonly regions: ReadonlyArray<string>;
  readonly maxSignalRequestBytes: number;
  readonly deadlineBudgetMs: number;
  readonly upstreamMaxSockets: number;
  readonly upstream: UpstreamTarget;
  readonly logger: Logger;
  /** Wraps the real connector; tests use it to force a defect inside the pipeline. */
  readonly decorateConnector?: (connector: StreamSessionConnector) => StreamSessionConnector;
}

export interface RunningService {
  readonly port: number;
  readonly server: grpc.Server;
  /** Lets calls in flight finish for up to graceMs, then cancels the rest and releases the AWS clients. */
  stop(graceMs: number): Promise<void>;
}

/** The composition root shared by main.ts and the end-to-end tests: everything wired, one port bound. */
export function startReconnectService(settings: ServiceSettings): TE.TaskEither<Error, RunningService> {
  const [defaultRegion = 'us-west-2'] = settings.regions;
  const clients = new RegionalClients({
    regions: settings.regions,
    target: settings.upstream,
    maxSockets: settings.upstreamMaxSockets,
  });
  const realConnector = gameLiftStreamsConnector(clients);
  const connector = settings.decorateConnector === undefined ? realConnector : settings.decorateConnector(realConnector);
  const reconnect = reconnectStreamSession({
    policy: {
      maxSignalRequestBytes: settings.maxSignalRequestBytes,
      defaultRegion,
      servedRegions: new Set(settings.regions),
    },
    connector,
  });
  const server = createGrpcServer(
    reconnectServiceImplementation({
      reconnect,
      logger: settings.logger,
      deadlineBudgetMs: settings.deadlineBudgetMs,
    }),
    { maxReceiveMessageBytes: receiveLimitFor(settings.maxSignalRequestBytes) },
  );
  return pipe(
    bindServer(server, settings.grpcHost, settings.grpcPort),
    TE.map((port) => ({
      port,
      server,
      stop: async (graceMs: number) => {
        await shutdownServer(server, graceMs);
        clients.destroy();
      },
    })),
    TE.orElseFirst(() => TE.fromIO(() => clients.destroy())),
  );
}
