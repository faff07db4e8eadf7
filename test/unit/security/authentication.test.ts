import { strict as assert } from 'node:assert';
import type { PeerCertificate } from 'node:tls';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import type { Caller } from '../../../src/domain/call-context';
import type { Unauthenticated } from '../../../src/domain/outcomes';
import {
  ANONYMOUS_LOOPBACK_CALLER,
  CallerDirectory,
  authenticate,
  certificateNames,
  type AuthenticationPolicy,
} from '../../../src/security/authentication';
import { randomToken, sha256Hex } from '../../support/callers-fixture';

/** A peer certificate as Node reports it; only the names matter here. */
function peerCertificate(names: {
  readonly subjectaltname?: string;
  readonly CN?: string | string[];
}): PeerCertificate {
  const subject = names.CN === undefined ? { O: 'Example' } : { O: 'Example', CN: names.CN };
  return {
    ca: false,
    raw: Buffer.from('not a real certificate'),
    subject,
    issuer: { CN: 'test-client-ca' },
    valid_from: 'Jan  1 00:00:00 2026 GMT',
    valid_to: 'Jan  2 00:00:00 2026 GMT',
    serialNumber: '01',
    fingerprint: '00',
    fingerprint256: '00',
    fingerprint512: '00',
    ...(names.subjectaltname === undefined ? {} : { subjectaltname: names.subjectaltname }),
  };
}

describe('authentication', () => {
  describe('certificateNames', () => {
    it('takes DNS and URI subject alternative names, then the common name', () => {
      const certificate = peerCertificate({
        subjectaltname:
          'DNS:lobby.internal, IP Address:127.0.0.1, URI:spiffe://example.org/lobby, email:ops@example.org, DNS:lobby',
        CN: 'lobby-cn',
      });
      assert.deepEqual(certificateNames(certificate), [
        'lobby.internal',
        'spiffe://example.org/lobby',
        'lobby',
        'lobby-cn',
      ]);
    });

    it('takes every common name when there are several, and only them without SANs', () => {
      assert.deepEqual(certificateNames(peerCertificate({ CN: ['first', 'second'] })), ['first', 'second']);
      assert.deepEqual(certificateNames(peerCertificate({ CN: 'only' })), ['only']);
    });

    it('finds no names without a certificate, or in one with neither DNS/URI names nor a common name', () => {
      assert.deepEqual(certificateNames(undefined), []);
      assert.deepEqual(certificateNames(peerCertificate({})), []);
      assert.deepEqual(certificateNames(peerCertificate({ subjectaltname: 'IP Address:10.0.0.1' })), []);
    });

    it('treats a certificate object with no properties as no certificate', () => {
      // What tls.TLSSocket#getPeerCertificate() returns when the peer sent none.
      const none = Object.create(null) as PeerCertificate;
      assert.deepEqual(certificateNames(none), []);
    });
  });

  describe('authenticate() decision table', () => {
    const matchmakerToken = randomToken();
    const lobbyToken = randomToken();
    const directory = new CallerDirectory([
      { name: 'matchmaker', tokenSha256: sha256Hex(matchmakerToken), streamGroups: [{ _tag: 'AnyStreamGroup' }] },
      {
        name: 'lobby',
        tokenSha256: sha256Hex(lobbyToken),
        certificateNames: ['lobby.internal'],
        streamGroups: [{ _tag: 'StreamGroupId', id: 'sg-1' }],
      },
    ]);
    const lobbyCertificate = peerCertificate({ subjectaltname: 'DNS:lobby.internal', CN: 'lobby' });
    const strangerCertificate = peerCertificate({ subjectaltname: 'DNS:stranger.internal', CN: 'stranger' });

    const policies: Readonly<Record<string, AuthenticationPolicy>> = {
      tokens: { directory: () => directory, clientCertificates: false, anonymous: undefined },
      mtls: { directory: () => directory, clientCertificates: true, anonymous: undefined },
      'mtls without callers file': { directory: () => undefined, clientCertificates: true, anonymous: undefined },
      'loopback, no authentication': {
        directory: () => undefined,
        clientCertificates: false,
        anonymous: ANONYMOUS_LOOPBACK_CALLER,
      },
    };

    function metadataWith(...authorization: ReadonlyArray<string>): grpc.Metadata {
      const metadata = new grpc.Metadata();
      for (const value of authorization) {
        metadata.add('authorization', value);
      }
      return metadata;
    }

    interface Row {
      readonly policy: keyof typeof policies;
      readonly authorization: ReadonlyArray<string>;
      readonly certificate?: PeerCertificate;
      /** A caller's name, or the Unauthenticated problem. */
      readonly expected: string;
      readonly why: string;
    }
    const rows: ReadonlyArray<Row> = [
      { policy: 'tokens', authorization: [`Bearer ${matchmakerToken}`], expected: 'matchmaker', why: 'a known token' },
      { policy: 'tokens', authorization: [`bearer ${lobbyToken}`], expected: 'lobby', why: 'the scheme in any case' },
      { policy: 'tokens', authorization: [], expected: 'MissingCredentials', why: 'no credential' },
      {
        policy: 'tokens',
        authorization: [`Bearer ${randomToken()}`],
        expected: 'UnknownCredentials',
        why: 'an unknown token',
      },
      {
        policy: 'tokens',
        authorization: [`Bearer ${sha256Hex(matchmakerToken)}`],
        expected: 'UnknownCredentials',
        why: 'the digest sent as the token',
      },
      {
        policy: 'tokens',
        authorization: ['Basic bWF0Y2htYWtlcjpwYXNzd29yZA=='],
        expected: 'MalformedAuthorization',
        why: 'another scheme',
      },
      {
        policy: 'tokens',
        authorization: [matchmakerToken],
        expected: 'MalformedAuthorization',
        why: 'a token without a scheme',
      },
      { policy: 'tokens', authorization: ['Bearer '], expected: 'MalformedAuthorization', why: 'an empty token' },
      {
        policy: 'tokens',
        authorization: [`Bearer ${matchmakerToken} extra`],
        expected: 'MalformedAuthorization',
        why: 'a space in the token',
      },
      {
        policy: 'tokens',
        authorization: [`Bearer  ${matchmakerToken}`],
        expected: 'MalformedAuthorization',
        why: 'two spaces after the scheme',
      },
      {
        policy: 'tokens',
        authorization: [`Bearer ${matchmakerToken}`, `Bearer ${lobbyToken}`],
        expected: 'MalformedAuthorization',
        why: 'two authorization values, even both valid',
      },
      {
        policy: 'tokens',
        authorization: [`Bearer ${matchmakerToken}, Bearer ${lobbyToken}`],
        expected: 'MalformedAuthorization',
        why: 'two values joined by a proxy',
      },
      {
        policy: 'tokens',
        authorization: [],
        certificate: lobbyCertificate,
        expected: 'MissingCredentials',
        why: 'a certificate when mTLS is off',
      },
      {
        policy: 'mtls',
        authorization: [],
        certificate: lobbyCertificate,
        expected: 'lobby',
        why: 'a known certificate name',
      },
      {
        policy: 'mtls',
        authorization: [],
        certificate: strangerCertificate,
        expected: 'UnknownCredentials',
        why: 'a verified certificate naming nobody',
      },
      { policy: 'mtls', authorization: [], expected: 'MissingCredentials', why: 'neither token nor certificate' },
      {
        policy: 'mtls',
        authorization: [`Bearer ${matchmakerToken}`],
        certificate: lobbyCertificate,
        expected: 'matchmaker',
        why: 'a token and a certificate: the token decides',
      },
      {
        policy: 'mtls',
        authorization: [`Bearer ${randomToken()}`],
        certificate: lobbyCertificate,
        expected: 'UnknownCredentials',
        why: 'a wrong token is not excused by a good certificate',
      },
      {
        policy: 'mtls',
        authorization: ['Basic x'],
        certificate: lobbyCertificate,
        expected: 'MalformedAuthorization',
        why: 'a malformed header is not excused by a good certificate',
      },
      {
        policy: 'mtls without callers file',
        authorization: [],
        certificate: lobbyCertificate,
        expected: 'UnknownCredentials',
        why: 'no directory to name the certificate',
      },
      {
        policy: 'mtls without callers file',
        authorization: [`Bearer ${matchmakerToken}`],
        expected: 'UnknownCredentials',
        why: 'a token with no callers file',
      },
      {
        policy: 'loopback, no authentication',
        authorization: [],
        expected: ANONYMOUS_LOOPBACK_CALLER.name,
        why: 'development on loopback',
      },
      {
        policy: 'loopback, no authentication',
        authorization: [`Bearer ${matchmakerToken}`],
        expected: 'UnknownCredentials',
        why: 'a token is checked even where none is needed',
      },
      {
        policy: 'loopback, no authentication',
        authorization: ['Basic x'],
        expected: 'MalformedAuthorization',
        why: 'and so is its form',
      },
    ];

    const outcomeOf = (result: E.Either<Unauthenticated, Caller>): string =>
      E.isRight(result)
        ? result.right.name
        : result.left._tag === 'Unauthenticated'
          ? result.left.problem
          : result.left._tag;

    for (const row of rows) {
      it(`${row.policy}: ${row.why} → ${row.expected}`, () => {
        const result = authenticate(
          policies[row.policy] ?? assert.fail('no such policy'),
          metadataWith(...row.authorization),
          row.certificate,
        );
        assert.equal(outcomeOf(result), row.expected);
      });
    }

    it('a known caller comes with its grants from the directory', () => {
      const result = authenticate(policies.mtls ?? assert.fail('no such policy'), metadataWith(), lobbyCertificate);
      assert.deepEqual(result, E.right({ name: 'lobby', grants: [{ _tag: 'StreamGroupId', id: 'sg-1' }] }));
    });

    it('reads the directory at each call, so a reload applies to the next call', () => {
      let current: CallerDirectory | undefined = directory;
      const policy: AuthenticationPolicy = {
        directory: () => current,
        clientCertificates: false,
        anonymous: undefined,
      };
      assert.equal(outcomeOf(authenticate(policy, metadataWith(`Bearer ${matchmakerToken}`), undefined)), 'matchmaker');
      current = new CallerDirectory([]);
      assert.equal(
        outcomeOf(authenticate(policy, metadataWith(`Bearer ${matchmakerToken}`), undefined)),
        'UnknownCredentials',
      );
    });
  });
});
