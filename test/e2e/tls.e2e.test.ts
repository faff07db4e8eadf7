import { strict as assert } from 'node:assert';

import * as grpc from '@grpc/grpc-js';

import { bearerMetadata, type ReconnectCallError, type ReconnectClient } from '../../src/client/reconnect-client';
import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import { randomToken, useCallersFile } from '../support/callers-fixture';
import { GROUP_ID, disconnectedSession, upstreamCalls, useHarness, type Harness } from '../support/service-harness';
import { expectLeft, expectRight } from '../support/task-either';
import { createServiceTestPki, type IssuedCertificate, type ServiceTestPki } from '../support/test-pki';

const OFFER = '{"type":"offer","sdp":"v=0 tls-e2e-offer"}';
const OTHER_GROUP_ID = 'sg-e2eOther1';
/** Bounds every call; a refused handshake answers long before. */
const DEADLINE = { deadlineMs: 10_000 };

const request = (streamGroupIdentifier: string, streamSessionIdentifier: string) => ({
  streamGroupIdentifier,
  streamSessionIdentifier,
  signalRequest: OFFER,
});

function assertUnavailable(error: ReconnectCallError): void {
  assert.equal(error.code, grpc.status.UNAVAILABLE, `${error.codeName}: ${error.message}`);
  // The handshake failed: the service never answered, so there are no error details of ours.
  assert.equal(error.details.errorInfo, undefined);
}

/** The client's reconnect of a real session fails at the handshake (UNAVAILABLE), and nothing reaches AWS. */
async function assertHandshakeRefused(harness: Harness, client: ReconnectClient): Promise<void> {
  const session = await disconnectedSession(harness);
  const before = await upstreamCalls(harness);
  assertUnavailable(await expectLeft(client.reconnectStreamSession(request(GROUP_ID, session.id), DEADLINE)));
  assert.deepEqual(await upstreamCalls(harness), before);
}

describe('transport security end to end (grpc-js client → TLS → service)', function () {
  this.timeout(60_000);
  let pki: ServiceTestPki;

  before(async () => {
    pki = await createServiceTestPki();
  });
  after(async () => {
    await pki.pki.remove();
  });

  describe('TLS with bearer tokens', () => {
    const token = randomToken();
    const callers = useCallersFile([{ name: 'matchmaker', token, streamGroups: [GROUP_ID] }]);
    const harness = useHarness(() => ({
      security: {
        tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, clientCaFile: undefined },
        callersFile: callers().path,
        allowInsecurePlaintext: false,
        healthRequiresAuthentication: false,
      },
      clientCredentials: grpc.credentials.createSsl(pki.serverCa.cert),
      clientMetadata: bearerMetadata(token),
    }));

    it('a client that trusts the server CA (certificate for IP 127.0.0.1) reconnects', async () => {
      const session = await disconnectedSession(harness());
      const response = await expectRight(
        harness().client.reconnectStreamSession(request(GROUP_ID, session.id), DEADLINE),
      );
      assert.equal(response.signalResponse, emulatorSignalResponse(OFFER));
    });

    it('a plaintext client is refused UNAVAILABLE, with a valid token, and nothing reaches AWS', async () => {
      await assertHandshakeRefused(
        harness(),
        harness().connect(grpc.credentials.createInsecure(), { metadata: bearerMetadata(token) }),
      );
    });

    it('a client that trusts another CA refuses the server (UNAVAILABLE), and nothing reaches AWS', async () => {
      await assertHandshakeRefused(
        harness(),
        harness().connect(grpc.credentials.createSsl(pki.otherCa.cert), { metadata: bearerMetadata(token) }),
      );
    });

    it('TLS does not replace authentication: over TLS without a token the call is UNAUTHENTICATED', async () => {
      const anonymous = harness().connect(grpc.credentials.createSsl(pki.serverCa.cert));
      const error = await expectLeft(anonymous.reconnectStreamSession(request(GROUP_ID, 'ABC123def4567'), DEADLINE));
      assert.equal(error.code, grpc.status.UNAUTHENTICATED);
      assert.equal(error.details.errorInfo?.metadata.problem, 'MissingCredentials');
    });
  });

  describe('mutual TLS: the client certificate names the caller', () => {
    const withClientCertificate = (certificate: IssuedCertificate): grpc.ChannelCredentials =>
      grpc.credentials.createSsl(pki.serverCa.cert, certificate.key, certificate.cert);
    const callers = useCallersFile([{ name: 'lobby', certificateNames: ['lobby.internal'], streamGroups: [GROUP_ID] }]);
    const harness = useHarness(() => ({
      security: {
        tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, clientCaFile: pki.clientCa.certFile },
        callersFile: callers().path,
        allowInsecurePlaintext: false,
        healthRequiresAuthentication: false,
      },
      clientCredentials: withClientCertificate(pki.lobbyClient),
    }));

    before(async () => {
      await expectRight(harness().control.createStreamGroup({ id: OTHER_GROUP_ID }));
    });

    it('a certificate for lobby.internal signed by the client CA is the caller "lobby": its group is allowed', async () => {
      const session = await disconnectedSession(harness());
      const response = await expectRight(
        harness().client.reconnectStreamSession(request(GROUP_ID, session.id), DEADLINE),
      );
      assert.equal(response.signalResponse, emulatorSignalResponse(OFFER));
      const read = await expectRight(
        harness().client.getStreamSession({ streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id }),
      );
      assert.ok(read.arn.endsWith(session.id));
    });

    it('... and any other group is PERMISSION_DENIED for "lobby", with no upstream call', async () => {
      const session = await disconnectedSession(harness(), 120, { groupId: OTHER_GROUP_ID });
      const before = await upstreamCalls(harness());
      const error = await expectLeft(
        harness().client.reconnectStreamSession(request(OTHER_GROUP_ID, session.id), DEADLINE),
      );
      assert.equal(error.code, grpc.status.PERMISSION_DENIED, error.message);
      assert.equal(error.details.errorInfo?.reason, 'CALLER_NOT_ALLOWED');
      assert.equal(error.details.errorInfo?.metadata.caller, 'lobby');
      assert.deepEqual(await upstreamCalls(harness()), before);
    });

    it('without a client certificate the handshake fails (UNAVAILABLE)', async () => {
      await assertHandshakeRefused(harness(), harness().connect(grpc.credentials.createSsl(pki.serverCa.cert)));
    });

    it('a certificate for the same name from a CA the service does not trust fails the handshake (UNAVAILABLE)', async () => {
      await assertHandshakeRefused(harness(), harness().connect(withClientCertificate(pki.impostorClient)));
    });

    it('a trusted certificate whose names no caller has is UNAUTHENTICATED (UnknownCredentials), with no upstream call', async () => {
      const session = await disconnectedSession(harness());
      const before = await upstreamCalls(harness());
      const stranger = harness().connect(withClientCertificate(pki.strangerClient));
      const error = await expectLeft(stranger.reconnectStreamSession(request(GROUP_ID, session.id), DEADLINE));
      assert.equal(error.code, grpc.status.UNAUTHENTICATED, error.message);
      assert.equal(error.details.errorInfo?.reason, 'CALLER_UNAUTHENTICATED');
      assert.equal(error.details.errorInfo?.metadata.problem, 'UnknownCredentials');
      assert.deepEqual(await upstreamCalls(harness()), before);
    });
  });
});
