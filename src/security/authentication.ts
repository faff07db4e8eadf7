import { createHash, timingSafeEqual } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

import type * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import type { Caller, StreamGroupGrant } from '../domain/call-context';
import type { Unauthenticated, UnauthenticatedProblem } from '../domain/outcomes';

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

/** The caller every call is taken for when a loopback-only deployment configures no authentication at all. */
export const ANONYMOUS_LOOPBACK_CALLER: Caller = { name: 'anonymous-loopback', grants: [{ _tag: 'AnyStreamGroup' }] };

/** One caller as the callers file describes it. */
export interface CallerEntry {
  readonly name: string;
  readonly streamGroups: ReadonlyArray<StreamGroupGrant>;
  readonly tokenSha256?: string | undefined;
  readonly certificateNames?: ReadonlyArray<string> | undefined;
}

interface TokenCredential {
  readonly digest: Buffer;
  readonly caller: Caller;
}

/**
 * The callers this deployment knows: who may call, with which credential, and which stream groups each may
 * touch. Tokens are stored only as SHA-256 digests and compared in constant time.
 */
export class CallerDirectory {
  private readonly tokens: ReadonlyArray<TokenCredential>;
  private readonly certificates: ReadonlyMap<string, Caller>;

  constructor(entries: ReadonlyArray<CallerEntry>) {
    const callerOf = (entry: CallerEntry): Caller => ({ name: entry.name, grants: entry.streamGroups });
    this.tokens = entries.flatMap((entry) =>
      entry.tokenSha256 === undefined
        ? []
        : [{ digest: Buffer.from(entry.tokenSha256, 'hex'), caller: callerOf(entry) }],
    );
    this.certificates = new Map(
      entries.flatMap((entry) =>
        (entry.certificateNames ?? []).map((name): [string, Caller] => [name, callerOf(entry)]),
      ),
    );
  }

  size(): number {
    return this.tokens.length + this.certificates.size;
  }

  /** Compares against every known digest without stopping early, so timing says nothing about near misses. */
  findByToken(token: string): Caller | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: Caller | undefined;
    for (const credential of this.tokens) {
      if (timingSafeEqual(credential.digest, digest)) {
        found = credential.caller;
      }
    }
    return found;
  }

  findByCertificateNames(names: ReadonlyArray<string>): Caller | undefined {
    for (const name of names) {
      const caller = this.certificates.get(name);
      if (caller !== undefined) return caller;
    }
    return undefined;
  }
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

function unauthenticated(problem: UnauthenticatedProblem): E.Either<Unauthenticated, Caller> {
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
): E.Either<Unauthenticated, Caller> {
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
