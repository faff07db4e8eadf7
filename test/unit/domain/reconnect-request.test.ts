import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import { decodeReconnectRequest, type ReconnectRequestPolicy } from '../../../src/domain/request';

const policy: ReconnectRequestPolicy = {
  maxSignalRequestBytes: 1024,
  defaultRegion: 'us-west-2',
  servedRegions: new Set(['us-west-2', 'eu-west-1']),
};
const decode = decodeReconnectRequest(policy);
const ACCOUNT = '111122223333';
const groupArn = (region: string, id = 'sg-1AB2C3De4') =>
  `arn:aws:gameliftstreams:${region}:${ACCOUNT}:streamgroup/${id}`;
const sessionArn = (region: string, groupId = 'sg-1AB2C3De4') =>
  `arn:aws:gameliftstreams:${region}:${ACCOUNT}:streamsession/${groupId}/ABC123def4567`;

const valid = {
  streamGroupIdentifier: 'sg-1AB2C3De4',
  streamSessionIdentifier: 'ABC123def4567',
  signalRequest: '{"type":"offer"}',
  clientToken: undefined,
};

function violations(input: unknown): Array<[string, string]> {
  const result = decode(input);
  assert.ok(E.isLeft(result), 'expected the request to be refused');
  return result.left.violations.map((v) => [v.field, v.description]);
}

describe('decodeReconnectRequest', () => {
  it('accepts IDs and uses the default region for them', () => {
    const result = decode(valid);
    assert.ok(E.isRight(result));
    assert.equal(result.right.region, 'us-west-2');
    assert.equal(result.right.streamGroupIdentifier, 'sg-1AB2C3De4');
    assert.equal(result.right.clientToken, undefined);
  });

  it('takes the region from the ARNs', () => {
    const result = decode({
      ...valid,
      streamGroupIdentifier: groupArn('eu-west-1'),
      streamSessionIdentifier: sessionArn('eu-west-1'),
    });
    assert.ok(E.isRight(result));
    assert.equal(result.right.region, 'eu-west-1');
  });

  it('keeps a valid client token', () => {
    const token = 'c'.repeat(32);
    const result = decode({ ...valid, clientToken: token });
    assert.ok(E.isRight(result));
    assert.equal(result.right.clientToken, token);
  });

  it('names every violating field at once, by its proto name', () => {
    const found = violations({
      streamGroupIdentifier: '',
      streamSessionIdentifier: 'a'.repeat(129),
      signalRequest: '',
      clientToken: 'short',
    });
    assert.deepEqual(
      found.map(([field]) => field),
      ['stream_group_identifier', 'stream_session_identifier', 'signal_request', 'client_token'],
    );
    assert.match(found[0]?.[1] ?? '', /is required/);
    assert.match(found[1]?.[1] ?? '', /at most 128 characters/);
    assert.match(found[3]?.[1] ?? '', /32 to 128 characters/);
  });

  it('treats an explicitly empty client_token as a violation, not as absent', () => {
    assert.deepEqual(
      violations({ ...valid, clientToken: '' }).map(([f]) => f),
      ['client_token'],
    );
  });

  it('refuses a region this deployment does not serve', () => {
    const found = violations({
      ...valid,
      streamGroupIdentifier: groupArn('ap-south-1'),
      streamSessionIdentifier: 'ABC123def4567',
    });
    assert.equal(found.length, 1);
    assert.equal(found[0]?.[0], 'stream_group_identifier');
    assert.match(found[0]?.[1] ?? '', /region "ap-south-1".*serves: us-west-2, eu-west-1/);
  });

  it('refuses a session ARN from another stream group', () => {
    const found = violations({ ...valid, streamSessionIdentifier: sessionArn('us-west-2', 'sg-other') });
    assert.deepEqual(
      found.map(([f]) => f),
      ['stream_session_identifier'],
    );
    assert.match(found[0]?.[1] ?? '', /another stream group/);
  });

  it('refuses ARNs that disagree on region', () => {
    const found = violations({
      ...valid,
      streamGroupIdentifier: groupArn('us-west-2'),
      streamSessionIdentifier: sessionArn('eu-west-1'),
    });
    assert.deepEqual(
      found.map(([f]) => f),
      ['stream_session_identifier'],
    );
  });

  it('reports cross-field problems together with per-field ones', () => {
    const found = violations({ ...valid, streamGroupIdentifier: groupArn('ap-south-1'), signalRequest: '' });
    assert.deepEqual(found.map(([f]) => f).sort(), ['signal_request', 'stream_group_identifier']);
  });

  it('refuses a signal request over the configured size', () => {
    const found = violations({ ...valid, signalRequest: 'x'.repeat(1025) });
    assert.deepEqual(found, [['signal_request', 'must be at most 1024 bytes (UTF-8), but has 1025']]);
  });

  for (const input of [null, undefined, 'a string', 42, [], {}]) {
    it(`is total for ${JSON.stringify(input) ?? 'undefined'}`, () => {
      assert.ok(E.isLeft(decode(input)));
    });
  }
});
