import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

/**
 * The start-up floor: a bare grpc-js server that serves only grpc.health.v1.Health, SERVING from the moment it is
 * bound, on the loopback port given as its argument. How long it takes from process start to SERVING is the least
 * a Node gRPC service with health checks can take on this machine.
 */

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error('the bare health server needs its port as an argument');

const server = new grpc.Server();
new HealthImplementation({ '': 'SERVING' }).addToServer(server);
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error !== null) {
    process.stderr.write(`the bare health server could not bind: ${error.message}\n`);
    process.exit(1);
  }
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
