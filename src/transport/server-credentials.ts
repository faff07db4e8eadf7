import { createPrivateKey, X509Certificate } from 'node:crypto';
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

function problemOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Parses the PEM files before grpc-js sees them: grpc-js only parses them when the port is bound, and its error
 * (say "PEM routines::no start line") does not say which file. Messages name the file, never its contents.
 */
function checkPems(tls: TlsFiles, cert: Buffer, key: Buffer, clientCa: Buffer | undefined): E.Either<string, void> {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error: unknown) {
    return E.left(`the TLS certificate ${tls.certFile} is not a PEM certificate (${problemOf(error)})`);
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key))) {
      return E.left(`the TLS private key ${tls.keyFile} does not belong to the certificate ${tls.certFile}`);
    }
  } catch (error: unknown) {
    return E.left(`the TLS private key ${tls.keyFile} is not an unencrypted PEM private key (${problemOf(error)})`);
  }
  if (clientCa !== undefined) {
    try {
      new X509Certificate(clientCa);
    } catch (error: unknown) {
      return E.left(`the client CA ${tls.clientCaFile ?? ''} is not a PEM certificate (${problemOf(error)})`);
    }
  }
  return E.right(undefined);
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
  const checked = checkPems(tls, cert.right, key.right, clientCa.right);
  if (E.isLeft(checked)) return checked;
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
