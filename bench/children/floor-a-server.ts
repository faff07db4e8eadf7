import * as grpc from '@grpc/grpc-js';

import { ReconnectServiceService, type ReconnectServiceServer } from '../../src/gen/reconnect/v1/reconnect';

/**
 * Floor A: a bare grpc-js server with the service's proto whose handler answers a fixed response. What it costs
 * per call is the least any grpc-js implementation of ReconnectService can cost: HTTP/2, protobuf, grpc-js.
 * Started by the benchmark with an IPC channel; it reports its port there and runs until SIGTERM.
 */

/** The same size as the emulator's answer, so the response bytes match the service scenario's. */
const FIXED_RESPONSE = JSON.stringify({
  type: 'answer',
  sdp: 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=emulator-answer-0123456789abcdef\r\nt=0 0\r\n',
});

const implementation: ReconnectServiceServer = {
  reconnectStreamSession: (_call, callback) => callback(null, { signalResponse: FIXED_RESPONSE }),
  getStreamSession: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'floor A serves reconnects only' }),
};

const server = new grpc.Server();
server.addService(ReconnectServiceService, implementation);
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) {
    process.stderr.write(`floor A could not bind: ${error.message}\n`);
    process.exit(1);
  }
  process.send?.({ kind: 'ready', port });
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
// The parent going away (a crashed benchmark) must not leave this server running.
process.on('disconnect', () => process.exit(0));
