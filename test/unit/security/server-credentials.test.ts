import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import * as E from 'fp-ts/Either';

import type { TlsFiles } from '../../../src/config';
import { serverCredentials } from '../../../src/transport/server-credentials';
import { createServiceTestPki, type ServiceTestPki } from '../../support/test-pki';

describe('server credentials from the TLS files', function () {
  this.timeout(30_000);
  let pki: ServiceTestPki;
  let garbage: string;

  before(async () => {
    pki = await createServiceTestPki();
    garbage = path.join(pki.pki.directory, 'garbage.pem');
    await writeFile(garbage, 'this is not PEM\n');
  });
  after(async () => {
    await pki.pki.remove();
  });

  async function problem(tls: TlsFiles): Promise<string> {
    const outcome = await serverCredentials(tls);
    assert.ok(E.isLeft(outcome), 'the files should have been refused');
    assert.ok(!outcome.left.includes('BEGIN'), 'no PEM content in the message');
    return outcome.left;
  }

  it('accepts a certificate with its key, with or without a client CA', async () => {
    assert.ok(
      E.isRight(
        await serverCredentials({
          certFile: pki.server.certFile,
          keyFile: pki.server.keyFile,
          clientCaFile: undefined,
        }),
      ),
    );
    assert.ok(
      E.isRight(
        await serverCredentials({
          certFile: pki.server.certFile,
          keyFile: pki.server.keyFile,
          clientCaFile: pki.clientCa.certFile,
        }),
      ),
    );
  });

  it('names a missing file', async () => {
    const missing = path.join(pki.pki.directory, 'missing.pem');
    assert.equal(
      await problem({ certFile: pki.server.certFile, keyFile: missing, clientCaFile: undefined }),
      `cannot read the TLS private key ${missing} (ENOENT)`,
    );
  });

  it('names a certificate file that is not PEM', async () => {
    assert.match(
      await problem({ certFile: garbage, keyFile: pki.server.keyFile, clientCaFile: undefined }),
      new RegExp(`^the TLS certificate ${garbage} is not a PEM certificate`),
    );
  });

  it('names a key file that is not a PEM key (a certificate given as the key, say)', async () => {
    assert.match(
      await problem({ certFile: pki.server.certFile, keyFile: pki.server.certFile, clientCaFile: undefined }),
      new RegExp(`^the TLS private key ${pki.server.certFile} is not an unencrypted PEM private key`),
    );
  });

  it('names a key that belongs to another certificate', async () => {
    assert.equal(
      await problem({ certFile: pki.server.certFile, keyFile: pki.lobbyClient.keyFile, clientCaFile: undefined }),
      `the TLS private key ${pki.lobbyClient.keyFile} does not belong to the certificate ${pki.server.certFile}`,
    );
  });

  it('names a client CA file that is not PEM (which would otherwise refuse every client without saying why)', async () => {
    assert.match(
      await problem({ certFile: pki.server.certFile, keyFile: pki.server.keyFile, clientCaFile: garbage }),
      new RegExp(`^the client CA ${garbage} is not a PEM certificate`),
    );
  });
});
