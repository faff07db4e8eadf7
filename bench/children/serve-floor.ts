import * as grpc from '@grpc/grpc-js';

import { ReconnectServiceService, type ReconnectServiceServer } from '../../src/gen/reconnect/v1/reconnect';

/**
 * Serves a floor's bare ReconnectService implementation on a loopback port (no options, no interceptors), reports
 * the port over the IPC channel the benchmark opened, and runs until SIGTERM or until the benchmark goes away.
 */
export function serveFloor(name: string, implementation: Pick<ReconnectServiceServer, 'reconnectStreamSession'>): void {
  const server = new grpc.Server();
  const unimplemented = { code: grpc.status.UNIMPLEMENTED, details: `${name} serves reconnects only` };
  const floor: ReconnectServiceServer = {
    ...implementation,
    getStreamSession: (_call, callback) => callback(unimplemented),
    watchStreamSessions: (call) => call.emit('error', unimplemented),
  };
  server.addService(ReconnectServiceService, floor);
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error !== null) {
      process.stderr.write(`${name} could not bind: ${error.message}\n`);
      process.exit(1);
    }
    process.send?.({ kind: 'ready', port });
  });
  process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
  // The parent going away (a crashed benchmark) must not leave this server running.
  process.on('disconnect', () => process.exit(0));
}
