import { strict as assert } from 'node:assert';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

import * as grpc from '@grpc/grpc-js';

import { ReconnectServiceClient } from '../../src/gen/reconnect/v1/reconnect';
import { metricValue, scrape } from '../support/metrics-scrape';
import { testServiceConfig } from '../support/service-config';
import { GROUP_ID, useHarness } from '../support/service-harness';
import { WatchRecorder } from '../support/watch-recorder';

/**
 * A loopback TCP relay that can go silent without closing anything, as a client does whose host vanished (a node lost,
 * a cable pulled): no FIN, no RST, just no more bytes either way.
 */
class FreezableRelay {
  private readonly sockets: Socket[] = [];

  private constructor(private readonly server: Server) {}

  static async start(target: string): Promise<FreezableRelay> {
    const [host = '127.0.0.1', port = '0'] = target.split(':');
    const server = createServer();
    const relay = new FreezableRelay(server);
    server.on('connection', (client) => {
      const upstream = connect({ host, port: Number(port) });
      client.pipe(upstream);
      upstream.pipe(client);
      relay.sockets.push(client, upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get address(): string {
    const bound: AddressInfo | string | null = this.server.address();
    assert.ok(bound !== null && typeof bound !== 'string', 'the relay listens on a TCP port');
    return `127.0.0.1:${bound.port}`;
  }

  freeze(): void {
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const openStreams = async (port: number | undefined): Promise<number> =>
  metricValue(await scrape(port), 'reconnect_watch_streams_open', {});

describe('WatchStreamSessions and keepalive', function () {
  this.timeout(30_000);
  // Pings every second, a second to answer: the least the configuration allows, so the test takes seconds.
  const harness = useHarness(() => ({
    grpcServer: { ...testServiceConfig().grpcServer, keepaliveTimeMs: 1000, keepaliveTimeoutMs: 1000 },
  }));

  it('closes a silent stream whose client stopped answering pings', async () => {
    const relay = await FreezableRelay.start(harness().address);
    const client = new ReconnectServiceClient(relay.address, grpc.credentials.createInsecure());
    const recorder = new WatchRecorder(client, { streamGroupIdentifier: GROUP_ID });
    try {
      await recorder.snapshot();
      const { metricsPort } = harness().service;
      assert.equal(await openStreams(metricsPort), 1);
      relay.freeze();
      // Bounded: 200 scrapes, 50 ms apart; the server should give the connection up after about two seconds.
      let open = 1;
      for (let attempt = 0; attempt < 200 && open > 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        open = await openStreams(metricsPort);
      }
      assert.equal(open, 0, 'the stream to a client that went silent is still open');
    } finally {
      recorder.cancel();
      client.close();
      await relay.close();
    }
  });
});
