import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

/**
 * The start-up floors: a bare grpc-js server that serves only grpc.health.v1.Health, SERVING from the moment it is
 * bound, on the loopback port given as its first argument. How long it takes from process start to SERVING is the
 * least a Node gRPC service with health checks can take on this machine. With `with-sdk-client` as its second
 * argument it first builds the composed floor's AWS SDK client (the SDK and its default HTTP handler loaded, no
 * call made): the least a gRPC service that calls GameLift Streams can take.
 */

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error('the bare health server needs its port as an argument');
const withSdkClient = process.argv[3] === 'with-sdk-client';

async function serve(): Promise<void> {
  if (withSdkClient) {
    const { bareSdkClient } = await import('./bare-sdk-client');
    bareSdkClient('http://127.0.0.1:1', 1, 'node');
  }
  const server = new grpc.Server();
  new HealthImplementation({ '': 'SERVING' }).addToServer(server);
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) => {
    if (error !== null) {
      process.stderr.write(`the bare health server could not bind: ${error.message}\n`);
      process.exit(1);
    }
  });
  process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
}

void serve();
