import { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';
import { UndiciHttpHandler } from '@smithy/undici-http-handler';
import * as E from 'fp-ts/Either';
import toFastProperties from 'to-fast-properties';

import type { ReconnectError } from '../domain/reconnect-error';
import { AbortableClient } from './abortable-client';
import { PerCallAbort } from './per-call-abort';
import { RetryAllButThrottling } from './retry-all-but-throttling';
import { reuseSigner } from './reused-signer';

/** Fixed credentials, for an endpoint that does not check signatures (the emulator). */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** How to reach GameLift Streams: the standard AWS chain, or an explicit endpoint (the embedded emulator). */
export type UpstreamTarget =
  | { readonly _tag: 'Aws' }
  | { readonly _tag: 'Endpoint'; readonly endpoint: string; readonly credentials: StaticCredentials };

export interface RegionalClientsOptions {
  readonly regions: ReadonlyArray<string>;
  readonly target: UpstreamTarget;
  /** Sockets per region, sized to the concurrency we expect so calls do not queue inside the SDK. */
  readonly maxSockets: number;
  /** SDK attempts per call; each attempt gets an equal share of the budget, so retries fit inside it. */
  readonly maxAttempts: number;
  readonly budgetMs: number;
}

/**
 * One GameLiftStreamsClient per served region, built once at start-up and reused by every call: building a
 * client per call costs far more than the call's own CPU. Each reuses its resolved middleware handler too
 * (cacheMiddleware), with the calls' abort signals carried by PerCallAbort.
 */
export class RegionalClients {
  private readonly clients: ReadonlyMap<string, AbortableClient>;

  constructor(options: RegionalClientsOptions) {
    this.clients = new Map(options.regions.map((region) => [region, createClient(region, options)]));
  }

  /** The region's client; a region without one is a deployment mistake (decoding admits only served regions). */
  clientFor(region: string): E.Either<ReconnectError, AbortableClient> {
    const client = this.clients.get(region);
    return client === undefined
      ? E.left({ _tag: 'UpstreamClientMisconfigured', name: `NoClientForRegion:${region}` })
      : E.right(client);
  }

  destroy(): void {
    for (const client of this.clients.values()) {
      client.destroy();
    }
  }
}

function createClient(region: string, options: RegionalClientsOptions): AbortableClient {
  const abort = new PerCallAbort();
  const client = createSdkClient(region, options, abort);
  client.middlewareStack.add(abort.middleware, PerCallAbort.MIDDLEWARE_OPTIONS);
  reuseSigner(client);
  // The SDK builds its resolved config with a dozen Object.assign calls, which leaves V8 holding it as a hash
  // table, and copies it with object spread three times per call (serialiser, deserialiser, endpoint): about
  // 10 µs a copy. The same object with fast properties copies in well under 1 µs (BENCHMARKS.md). Only how V8
  // stores it changes: every middleware keeps the same object, and the SDK reads and writes it as before.
  toFastProperties(client.config);
  return new AbortableClient(client, abort);
}

function createSdkClient(region: string, options: RegionalClientsOptions, abort: PerCallAbort): GameLiftStreamsClient {
  // The SDK's undici-backed handler (AWS's alternative to node:http): the same requests on keep-alive connections
  // for less CPU per call (BENCHMARKS.md). undici bounds each phase of a request on its own, so an attempt's equal
  // share of the budget is split between connecting and waiting for the answer, and an attempt ends near its share
  // so the SDK's retries fit in the budget. Near, not within: undici's timers over a second fire up to about half
  // a second late, and a wait for a free connection is not timed; the call's own budget ends every call on time
  // regardless. Connecting gets a quarter of the share, but a second when the share allows (a new TLS connection
  // to a distant region takes hundreds of milliseconds), and never more than half. The body arrives with the
  // headers (a small JSON document); its timeout bounds a stall while it is read.
  const attemptMs = Math.max(2, Math.floor(options.budgetMs / options.maxAttempts));
  const connectMs = Math.min(Math.floor(attemptMs / 2), Math.max(Math.floor(attemptMs / 4), 1000));
  const requestHandler = new UndiciHttpHandler({
    dispatcher: {
      connections: options.maxSockets,
      connectTimeout: connectMs,
      headersTimeout: attemptMs - connectMs,
      bodyTimeout: attemptMs - connectMs,
    },
  });
  const retryStrategy = new RetryAllButThrottling(options.maxAttempts);
  // The handler is resolved once per command class instead of on every call (see PerCallAbort).
  const reuse = { cacheMiddleware: true, extensions: [abort.extension] };
  const target = options.target;
  switch (target._tag) {
    case 'Aws':
      // Endpoint and credentials come from the standard AWS configuration (AWS_ENDPOINT_URL_GAMELIFTSTREAMS, the
      // default credential chain, profiles); retries are ours, so that they fit the deadline budget.
      return new GameLiftStreamsClient({ region, requestHandler, retryStrategy, ...reuse });
    case 'Endpoint':
      return new GameLiftStreamsClient({
        region,
        endpoint: target.endpoint,
        credentials: target.credentials,
        requestHandler,
        retryStrategy,
        ...reuse,
      });
    default: {
      const unreachable: never = target;
      return unreachable;
    }
  }
}
