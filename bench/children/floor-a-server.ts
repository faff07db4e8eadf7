import { serveFloor } from './serve-floor';

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

serveFloor('floor A', {
  reconnectStreamSession: (_call, callback) => callback(null, { signalResponse: FIXED_RESPONSE }),
});
