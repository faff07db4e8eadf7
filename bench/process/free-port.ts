import { createServer } from 'node:net';

/**
 * A port that was free a moment ago on 127.0.0.1. The service logs its bound port only at info level, and the
 * benchmark runs it at warn so that logging is not part of what is measured; so the port is chosen here instead.
 * Another process could take it in between; the service then exits at once and the benchmark says so.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port was bound'))));
    });
  });
}
