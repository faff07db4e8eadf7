import { strict as assert } from 'node:assert';

import { GameLiftStreamsClient, GetStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import { HttpResponse, type HttpHandler, type HttpRequest } from '@smithy/core/protocols';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

import { reuseSigner } from '../../../src/upstream/reused-signer';

const REGION = 'us-west-2';
const FAKE_SECRET = 'not-a-real-secret-key';

/**
 * Answers every request in-process with an empty GetStreamSession result and keeps the signed requests: this
 * suite checks what the client signs, so no socket is involved (the e2e suites sign real calls to the emulator).
 */
function recordingHandler(): { handler: HttpHandler; signed: HttpRequest[] } {
  const signed: HttpRequest[] = [];
  const handler: HttpHandler = {
    handle: async (request: HttpRequest) => {
      signed.push(request);
      const body = new TextEncoder().encode('{}');
      return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/json' }, body }) };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return { handler, signed };
}

function clientWith(credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider) {
  const { handler, signed } = recordingHandler();
  const client = new GameLiftStreamsClient({
    region: REGION,
    endpoint: 'http://127.0.0.1:9',
    credentials,
    requestHandler: handler,
    maxAttempts: 1,
  });
  return { client, signed };
}

/** Counts how often the SDK's own signer builder runs, then lets reuseSigner wrap it. */
function countSignerBuilds(client: GameLiftStreamsClient): { readonly count: () => number } {
  const sdkBuilder = client.config.signer;
  let builds = 0;
  client.config.signer = (authScheme) => {
    builds += 1;
    return sdkBuilder(authScheme);
  };
  reuseSigner(client);
  return { count: () => builds };
}

const getSession = (client: GameLiftStreamsClient) =>
  client.send(new GetStreamSessionCommand({ Identifier: 'sg-1AbCdEfGh', StreamSessionIdentifier: 'ses-1AbCdEfGh' }));

function credentialOf(request: HttpRequest | undefined): string | undefined {
  return /Credential=([^,]+),/.exec(request?.headers['authorization'] ?? '')?.[1];
}

describe('reuseSigner', () => {
  it("builds the SDK's signer once and signs every call with it, for the client's region and service", async () => {
    const { client, signed } = clientWith({ accessKeyId: 'AKIDREUSED', secretAccessKey: FAKE_SECRET });
    const builds = countSignerBuilds(client);
    for (let call = 0; call < 3; call += 1) await getSession(client);
    assert.equal(builds.count(), 1);
    assert.equal(signed.length, 3);
    for (const request of signed) {
      assert.match(credentialOf(request) ?? '', /^AKIDREUSED\/\d{8}\/us-west-2\/gameliftstreams\/aws4_request$/);
      assert.match(request.headers['authorization'] ?? '', /Signature=[0-9a-f]{64}$/);
    }
    client.destroy();
  });

  it('still reads the credentials on every signature, so rotated credentials are used at once', async () => {
    let issued = 0;
    // Credentials that are always about to expire, so the SDK asks its provider again before each call.
    const rotating: AwsCredentialIdentityProvider = async () => {
      issued += 1;
      return { accessKeyId: `AKIDROTATED${issued}`, secretAccessKey: FAKE_SECRET, expiration: new Date(Date.now() + 1000) };
    };
    const { client, signed } = clientWith(rotating);
    const builds = countSignerBuilds(client);
    await getSession(client);
    await getSession(client);
    assert.equal(builds.count(), 1);
    // The SDK asks the provider more than once per call (identity, then the signature); each call is signed with
    // a key issued for it, never with the first one kept.
    const [first, second] = signed.map((request) => credentialOf(request)?.split('/')[0]);
    assert.match(first ?? '', /^AKIDROTATED\d+$/);
    assert.match(second ?? '', /^AKIDROTATED\d+$/);
    assert.notEqual(first, second);
    client.destroy();
  });

  it('does not keep a signer that failed to build: the next call asks the SDK again', async () => {
    const { client, signed } = clientWith({ accessKeyId: 'AKIDRETRIED', secretAccessKey: FAKE_SECRET });
    const sdkBuilder = client.config.signer;
    let builds = 0;
    client.config.signer = (authScheme) => {
      builds += 1;
      return builds === 1 ? Promise.reject(new Error('signer unavailable')) : sdkBuilder(authScheme);
    };
    reuseSigner(client);
    await assert.rejects(getSession(client), /signer unavailable/);
    await getSession(client);
    await getSession(client);
    assert.equal(builds, 2);
    assert.equal(signed.length, 2);
    client.destroy();
  });
});
