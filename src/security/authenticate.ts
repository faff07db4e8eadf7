import type { PeerCertificate } from 'node:tls';

import type * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import type { Caller } from '../domain/caller';
import type { ReconnectError } from '../domain/reconnect-error';
import type { CallerDirectory } from './callers-file';

/** How this deployment recognises callers; fixed at start-up except for the directory, which SIGHUP reloads. */
export interface AuthenticationPolicy {
  /** The current callers file, when one is configured. */
  readonly directory: () => CallerDirectory | undefined;
  /** Whether client certificates are verified (mTLS), so a certificate's names can identify a caller. */
  readonly clientCertificates: boolean;
  /**
   * The caller every call is taken for when no authentication is configured at all; only allowed on loopback
   * (start-up refuses it elsewhere), so a developer's `npm start` needs no credentials.
   */
  readonly anonymous: Caller | undefined;
}

const BEARER = /^Bearer ([\x21-\x7E]+)$/i;

/** The names a certificate answers to: its DNS and URI subject alternative names, then its common name. */
export function certificateNames(certificate: PeerCertificate | undefined): string[] {
  if (certificate === undefined || Object.keys(certificate).length === 0) {
    return [];
  }
  const alternativeNames = (certificate.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .flatMap((entry) => {
      const match = /^(DNS|URI):(.+)$/.exec(entry);
      return match?.[2] === undefined ? [] : [match[2]];
    });
  const commonName = certificate.subject?.CN;
  const commonNames = typeof commonName === 'string' ? [commonName] : Array.isArray(commonName) ? commonName : [];
  return [...alternativeNames, ...commonNames];
}

function unauthenticated(problem: 'MissingCredentials' | 'UnknownCredentials' | 'MalformedAuthorization'): E.Either<ReconnectError, Caller> {
  return E.left({ _tag: 'Unauthenticated', problem });
}

/**
 * Establishes who is calling. A bearer token, when sent, must be known (a wrong token is never excused by a
 * certificate); otherwise a verified client certificate must name a known caller; otherwise the anonymous
 * loopback caller, if this deployment has no authentication at all.
 */
export function authenticate(
  policy: AuthenticationPolicy,
  metadata: grpc.Metadata,
  peerCertificate: PeerCertificate | undefined,
): E.Either<ReconnectError, Caller> {
  const directory = policy.directory();
  const authorization = metadata.get('authorization');
  if (authorization.length > 0) {
    const [value] = authorization;
    const match = typeof value === 'string' && authorization.length === 1 ? BEARER.exec(value) : null;
    const token = match?.[1];
    if (token === undefined) {
      return unauthenticated('MalformedAuthorization');
    }
    const caller = directory?.findByToken(token);
    return caller === undefined ? unauthenticated('UnknownCredentials') : E.right(caller);
  }
  if (policy.clientCertificates) {
    const names = certificateNames(peerCertificate);
    const caller = directory?.findByCertificateNames(names);
    if (caller !== undefined) {
      return E.right(caller);
    }
    if (names.length > 0) {
      return unauthenticated('UnknownCredentials');
    }
  }
  return policy.anonymous === undefined ? unauthenticated('MissingCredentials') : E.right(policy.anonymous);
}
