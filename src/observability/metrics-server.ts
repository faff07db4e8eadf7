import { createServer, type Server } from 'node:http';

import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type { Registry } from 'prom-client';

export interface RunningMetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics on its own port, apart from gRPC, so scraping never competes with calls for streams. */
export function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
): TE.TaskEither<Error, RunningMetricsServer> {
  return () =>
    new Promise((resolve) => {
      const server: Server = createServer((request, response) => {
        if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at GET /metrics\n');
          return;
        }
        registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
          () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n'),
        );
      });
      server.once('error', (error) => resolve(E.left(error)));
      server.listen(port, host, () => {
        const address = server.address();
        const boundPort = typeof address === 'object' && address !== null ? address.port : port;
        resolve(
          E.right({
            port: boundPort,
            close: () => new Promise<void>((done) => server.close(() => done())),
          }),
        );
      });
    });
}
