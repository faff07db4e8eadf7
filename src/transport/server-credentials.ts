import { readFile } from 'node:fs/promises';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import type { TlsFiles } from '../config';

async function readPem(path: string, what: string): Promise<E.Either<string, Buffer>> {
  try {
    return E.right(await readFile(path));
  } catch (error: unknown) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unreadable';
    return E.left(`cannot read the ${what} ${path} (${code})`);
  }
}

/**
 * TLS from PEM files; with a client CA, the handshake requires a client certificate signed by it (mTLS). Without
 * files, plaintext (configuration allows that only on loopback or when explicitly marked insecure).
 */
export async function serverCredentials(tls: TlsFiles | undefined): Promise<E.Either<string, grpc.ServerCredentials>> {
  if (tls === undefined) {
    return E.right(grpc.ServerCredentials.createInsecure());
  }
  const cert = await readPem(tls.certFile, 'TLS certificate');
  const key = await readPem(tls.keyFile, 'TLS private key');
  const clientCa = tls.clientCaFile === undefined ? E.right(undefined) : await readPem(tls.clientCaFile, 'client CA');
  if (E.isLeft(cert)) return cert;
  if (E.isLeft(key)) return key;
  if (E.isLeft(clientCa)) return clientCa;
  try {
    return E.right(
      grpc.ServerCredentials.createSsl(
        clientCa.right ?? null,
        [{ private_key: key.right, cert_chain: cert.right }],
        clientCa.right !== undefined,
      ),
    );
  } catch (error: unknown) {
    // grpc-js validates the PEM contents here; its message names the problem, never the key material.
    return E.left(`invalid TLS files: ${error instanceof Error ? error.message : String(error)}`);
  }
}
