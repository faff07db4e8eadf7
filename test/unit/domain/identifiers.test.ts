import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';
import type * as t from 'io-ts';

import {
  ClientToken,
  StreamGroupIdentifier,
  StreamSessionIdentifier,
  signalRequestCodec,
} from '../../../src/domain/request';

const ACCOUNT = '111122223333';
const GROUP_ARN = `arn:aws:gameliftstreams:us-west-2:${ACCOUNT}:streamgroup/sg-1AB2C3De4`;
const SESSION_ARN = `arn:aws:gameliftstreams:us-west-2:${ACCOUNT}:streamsession/sg-1AB2C3De4/ABC123def4567`;

function failureMessage<A>(codec: t.Type<A, string, unknown>, value: unknown): string | undefined {
  const result = codec.decode(value);
  return E.isLeft(result) ? (result.left[0]?.message ?? 'no message') : undefined;
}

interface Row {
  readonly name: string;
  readonly value: unknown;
  /** undefined when the value is valid; otherwise a fragment the failure message must contain. */
  readonly problem: string | undefined;
}

function table<A>(codec: t.Type<A, string, unknown>, rows: ReadonlyArray<Row>): void {
  for (const row of rows) {
    it(`${row.problem === undefined ? 'accepts' : 'rejects'} ${row.name}`, () => {
      const message = failureMessage(codec, row.value);
      if (row.problem === undefined) {
        assert.equal(message, undefined);
      } else {
        assert.ok(message !== undefined, 'expected a failure');
        assert.ok(message.includes(row.problem), `"${message}" should mention "${row.problem}"`);
      }
    });
  }
}

const identifierRows = (ownArn: string, otherArn: string, ownType: string): Row[] => [
  { name: 'a one-character ID (lower bound)', value: 'a', problem: undefined },
  { name: 'a 128-character ID (upper bound)', value: 'a'.repeat(128), problem: undefined },
  { name: 'a 129-character ID', value: 'a'.repeat(129), problem: 'at most 128 characters, but has 129' },
  { name: 'an ID with hyphens and digits', value: 'sg-1AB2C3De4', problem: undefined },
  { name: 'the empty string', value: '', problem: 'is required' },
  { name: 'its own ARN', value: ownArn, problem: undefined },
  { name: 'an ARN of the other resource type', value: otherArn, problem: `must be a ${ownType}` },
  {
    name: 'an application ARN',
    value: `arn:aws:gameliftstreams:us-west-2:${ACCOUNT}:application/a-1`,
    problem: '"application" resource',
  },
  {
    name: 'an ARN of another service',
    value: `arn:aws:gamelift:us-west-2:${ACCOUNT}:fleet/f-1`,
    problem: 'not a valid GameLift Streams ARN',
  },
  {
    name: 'an ARN with an 11-digit account',
    value: `arn:aws:gameliftstreams:us-west-2:11112222333:streamgroup/sg-1`,
    problem: 'not a valid GameLift Streams ARN',
  },
  {
    name: 'an ARN in the aws-cn partition',
    value: `arn:aws-cn:gameliftstreams:cn-north-1:${ACCOUNT}:streamgroup/sg-1`,
    problem: 'not a valid GameLift Streams ARN',
  },
  { name: 'a path traversal', value: '../sg-1', problem: 'ID (only letters, digits and hyphens)' },
  { name: 'a percent-encoded slash', value: 'sg-1%2F..', problem: 'ID (only letters, digits and hyphens)' },
  { name: 'a space', value: 'sg 1', problem: 'ID (only letters, digits and hyphens)' },
  { name: 'a newline', value: 'sg-1\n', problem: 'ID (only letters, digits and hyphens)' },
  { name: 'unicode letters', value: 'sg-éü', problem: 'ID (only letters, digits and hyphens)' },
  { name: 'an emoji beyond 128 code points', value: '🎮'.repeat(129), problem: 'but has 129' },
  { name: 'a number', value: 42, problem: 'must be a string' },
  { name: 'undefined', value: undefined, problem: 'must be a string' },
];

describe('StreamGroupIdentifier', () => {
  table(StreamGroupIdentifier, [
    ...identifierRows(GROUP_ARN, SESSION_ARN, 'stream group ARN'),
    { name: 'a group ARN with a trailing path', value: `${GROUP_ARN}/extra`, problem: 'ending in "streamgroup/<id>"' },
    {
      name: 'a group ARN with an empty id',
      value: `arn:aws:gameliftstreams:us-west-2:${ACCOUNT}:streamgroup/`,
      problem: 'ending in "streamgroup/<id>"',
    },
    {
      name: 'a 129-character group ARN',
      value: `${GROUP_ARN}${'x'.repeat(129 - GROUP_ARN.length)}`,
      problem: 'at most 128',
    },
  ]);
});

describe('StreamSessionIdentifier', () => {
  table(StreamSessionIdentifier, [
    ...identifierRows(SESSION_ARN, GROUP_ARN, 'stream session ARN'),
    {
      name: 'a session ARN without its group',
      value: `arn:aws:gameliftstreams:us-west-2:${ACCOUNT}:streamsession/ABC123def4567`,
      problem: 'streamsession/<group id>/<session id>',
    },
    {
      name: 'a session ARN with a traversal segment',
      value: `arn:aws:gameliftstreams:us-west-2:${ACCOUNT}:streamsession/sg-1/../x`,
      problem: 'streamsession/<group id>/<session id>',
    },
  ]);
});

describe('ClientToken', () => {
  table(ClientToken, [
    { name: '32 printable characters (lower bound)', value: 'x'.repeat(32), problem: undefined },
    { name: '128 printable characters (upper bound)', value: '~'.repeat(128), problem: undefined },
    { name: 'a UUID', value: '3f2c1b9e-6d4a-4e0f-9b7c-2a1d5e8f0c3b', problem: undefined },
    {
      name: 'every printable ASCII character',
      value: Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join(''),
      problem: undefined,
    },
    { name: '31 characters', value: 'x'.repeat(31), problem: 'must be 32 to 128 characters, but has 31' },
    { name: '129 characters', value: 'x'.repeat(129), problem: 'but has 129' },
    { name: 'the empty string', value: '', problem: 'but has 0' },
    { name: 'a space inside', value: `${'x'.repeat(20)} ${'x'.repeat(20)}`, problem: 'printable ASCII' },
    { name: 'a tab inside', value: `${'x'.repeat(20)}\t${'x'.repeat(20)}`, problem: 'printable ASCII' },
    { name: 'DEL (0x7F)', value: `${'x'.repeat(40)}\x7f`, problem: 'printable ASCII' },
    { name: 'non-ASCII letters', value: 'é'.repeat(40), problem: 'printable ASCII' },
  ]);
});

describe('SignalRequest', () => {
  const limit = 64;
  table(signalRequestCodec(limit), [
    { name: 'one character', value: 'x', problem: undefined },
    { name: 'exactly the byte limit', value: 'x'.repeat(limit), problem: undefined },
    {
      name: 'one byte over the limit',
      value: 'x'.repeat(limit + 1),
      problem: `at most ${limit} bytes (UTF-8), but has ${limit + 1}`,
    },
    { name: 'multi-byte characters over the limit in bytes', value: 'é'.repeat(33), problem: 'but has 66' },
    { name: 'the empty string', value: '', problem: 'is required' },
    { name: 'a non-string', value: { sdp: 'x' }, problem: 'must be a string' },
  ]);

  it('never quotes the rejected value in its message', () => {
    const marker = 'MARKER-signal-must-not-leak';
    const message = failureMessage(signalRequestCodec(8), marker);
    assert.ok(message !== undefined && !message.includes(marker));
  });
});
