import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as E from 'fp-ts/Either';
import * as RNEA from 'fp-ts/ReadonlyNonEmptyArray';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { AwsApi, type AwsOutcome } from './aws-api';
import { regionOfAwsRequest } from './aws-request-region';
import { systemClock } from './clock';
import { ControlApi, isControlPath } from './control-api';
import { EmulatedRegions } from './emulated-regions';
import { readBody } from './http-body';
import { InFlightDelays } from './in-flight-delays';
import { type EmulatorOptions, type ResolvedOptions, resolveOptions } from './options';
import { routeAwsRequest, splitTarget } from './router';
import { internalServerError, type ServiceError, unknownOperation } from './service-error';
import { sendEmpty, sendJson, sendServiceError } from './wire';

export type { EmulatorLogger, EmulatorOptions } from './options';

export interface RunningEmulator {
  /** `http://host:port`, ready for the SDK's `endpoint` option and for the control client. */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  /** The default region: the first of `regions`. */
  readonly region: string;
  /** Every emulated region, the default first. */
  readonly regions: ReadonlyArray<string>;
  readonly accountId: string;
  /** Stops listening, drops open connections and cancels every timer. Safe to call more than once. */
  close(): Promise<void>;
}

export type EmulatorStartError =
  | { readonly kind: 'invalid-options'; readonly message: string }
  | { readonly kind: 'listen-failed'; readonly message: string };

const endpointOf = (host: string, port: number): string =>
  host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;

/** The stack without its first line: an error message could, in principle, quote request content. */
const stackFrames = (defect: unknown): string | undefined =>
  defect instanceof Error ? defect.stack?.split('\n').slice(1).join('\n') : undefined;

const errorName = (defect: unknown): string => (defect instanceof Error ? defect.name : typeof defect);

/** What the request log line says about one AWS call; `region` is absent when the call was refused before one. */
type LoggedCall = AwsOutcome & { readonly operation: string; readonly region?: string };

class EmulatorServer {
  private readonly regions: EmulatedRegions;
  private readonly delays = new InFlightDelays();
  private readonly awsApi: AwsApi;
  private readonly controlApi: ControlApi;
  readonly http: Server;

  constructor(private readonly options: ResolvedOptions) {
    this.regions = new EmulatedRegions(
      {
        regions: options.regions,
        accountId: options.accountId,
        transitionDelayMs: options.transitionDelayMs,
        endedSessionRetentionMs: options.endedSessionRetentionMs,
        rateLimits: options.rateLimits,
      },
      systemClock,
    );
    this.awsApi = new AwsApi({
      delays: this.delays,
      maxBodyBytes: options.maxBodyBytes,
      clock: systemClock,
    });
    this.controlApi = new ControlApi(this.regions);
    this.http = createServer((request, response) => this.onRequest(request, response));
  }

  /** Nothing escapes: a defect becomes an InternalServerException and a log line without request content. */
  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    const requestId = randomUUID();
    response.setHeader('x-amzn-RequestId', requestId);
    const startedAt = systemClock.monotonicMs();
    this.route(request, response).then(
      (outcome) => {
        if (this.options.logRequests && outcome !== undefined) {
          this.options.logger.info(
            { ...outcome, requestId, durationMs: Math.round(systemClock.monotonicMs() - startedAt) },
            'GameLift Streams call',
          );
        }
      },
      (defect: unknown) => {
        this.options.logger.error(
          { requestId, errorName: errorName(defect), stack: stackFrames(defect) },
          'emulator defect while handling a request',
        );
        sendServiceError(response, internalServerError('The emulator failed unexpectedly; see its log.'));
      },
    );
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<LoggedCall | undefined> {
    const method = request.method ?? 'GET';
    const target = splitTarget(request.url ?? '/');
    if (isControlPath(target.rawPath)) {
      const body = await readBody(request, this.options.maxBodyBytes);
      const answer = this.controlApi.handle({ method, rawPath: target.rawPath, query: target.query, body });
      if (answer.allow !== undefined) {
        response.setHeader('Allow', answer.allow);
      }
      if (answer.body === undefined) {
        sendEmpty(response, answer.status);
      } else {
        sendJson(response, answer.status, answer.body);
      }
      return undefined;
    }
    const route = routeAwsRequest(method, target);
    const operation = route?.operation ?? 'unknown';
    // The credential scope comes first, as at AWS: a request signed for another endpoint is refused before any
    // operation looks at it. The route is only named in the log line.
    const region = regionOfAwsRequest(this.regions, request.headers.authorization);
    if (E.isLeft(region)) {
      return { ...(await this.refuse(request, response, region.left)), operation };
    }
    if (route === undefined) {
      const refused = await this.refuse(request, response, unknownOperation(method, target.rawPath));
      return { ...refused, operation, region: region.right.region };
    }
    const outcome = await this.awsApi.serve(region.right, route, request, response);
    return { ...outcome, operation, region: region.right.region };
  }

  /** Answers an error without serving the call, which no region counts or records. */
  private async refuse(request: IncomingMessage, response: ServerResponse, error: ServiceError): Promise<AwsOutcome> {
    // Drain first: answering while the client is still sending makes it see a reset instead of the error.
    await readBody(request, this.options.maxBodyBytes);
    sendServiceError(response, error);
    return { kind: 'answered', httpStatus: error.httpStatus, errorType: error.errorType };
  }

  listen(): TE.TaskEither<EmulatorStartError, number> {
    return () =>
      new Promise((resolve) => {
        const { host, port } = this.options;
        const onError = (error: Error): void => {
          resolve(E.left({ kind: 'listen-failed', message: `cannot listen on ${host}:${port}: ${error.message}` }));
        };
        this.http.once('error', onError);
        this.http.listen({ host, port }, () => {
          this.http.off('error', onError);
          // Later server errors (rare: e.g. EMFILE on accept) are logged rather than crashing the process.
          this.http.on('error', (error) =>
            this.options.logger.error({ errorName: error.name, stack: stackFrames(error) }, 'emulator server error'),
          );
          const address = this.http.address();
          resolve(
            address !== null && typeof address === 'object'
              ? E.right(address.port)
              : E.left({ kind: 'listen-failed', message: 'the server reported no TCP address' }),
          );
        });
      });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.regions.close();
      this.delays.cancelAll();
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }
}

/**
 * Starts a local GameLift Streams endpoint for the unmodified AWS SDK. Fails (as a value) only on invalid options or
 * when the address cannot be bound.
 */
export const startEmulator = (options: EmulatorOptions = {}): TE.TaskEither<EmulatorStartError, RunningEmulator> =>
  pipe(
    TE.fromEither(resolveOptions(options)),
    TE.mapLeft((message): EmulatorStartError => ({ kind: 'invalid-options', message })),
    TE.chain((resolved) => {
      const server = new EmulatorServer(resolved);
      return pipe(
        server.listen(),
        TE.map((port): RunningEmulator => {
          let closing: Promise<void> | undefined;
          return {
            endpoint: endpointOf(resolved.host, port),
            host: resolved.host,
            port,
            region: RNEA.head(resolved.regions),
            regions: [...resolved.regions],
            accountId: resolved.accountId,
            close: () => {
              closing ??= server.close();
              return closing;
            },
          };
        }),
      );
    }),
  );
