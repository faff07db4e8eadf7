import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import { decodeWatchRequest, type RegionPolicy } from '../../../src/domain/request';
import { StreamSessionStatus as Status } from '../../../src/gen/reconnect/v1/reconnect';

const policy: RegionPolicy = { defaultRegion: 'us-west-2', servedRegions: new Set(['us-west-2', 'eu-west-1']) };
const decode = decodeWatchRequest(policy);
const ACCOUNT = '111122223333';
const groupArn = (region: string) => `arn:aws:gameliftstreams:${region}:${ACCOUNT}:streamgroup/sg-1AB2C3De4`;
const ALL_FIVE = ['PENDING_CLIENT_RECONNECTION', 'ACTIVE', 'CONNECTED', 'TERMINATED', 'ERROR'];

/** Each request the decoder refuses, and the fields it names, in order. */
const REFUSED: ReadonlyArray<{ readonly name: string; readonly input: unknown; readonly fields: string[] }> = [
  { name: 'no group', input: { streamGroupIdentifier: '', statuses: [] }, fields: ['stream_group_identifier'] },
  { name: 'a path for a group', input: { streamGroupIdentifier: '../etc' }, fields: ['stream_group_identifier'] },
  {
    name: "a session's ARN for a group",
    input: { streamGroupIdentifier: `arn:aws:gameliftstreams:us-west-2:${ACCOUNT}:streamsession/sg-1/ABC` },
    fields: ['stream_group_identifier'],
  },
  {
    name: 'an ARN in a region not served',
    input: { streamGroupIdentifier: groupArn('ap-south-1') },
    fields: ['stream_group_identifier'],
  },
  {
    name: 'a status a watch cannot be about',
    input: { streamGroupIdentifier: 'sg-1', statuses: [Status.STREAM_SESSION_STATUS_ACTIVATING] },
    fields: ['statuses'],
  },
  {
    name: 'UNSPECIFIED and an unknown number',
    input: { streamGroupIdentifier: 'sg-1', statuses: [Status.STREAM_SESSION_STATUS_UNSPECIFIED, 99] },
    fields: ['statuses', 'statuses'],
  },
  {
    name: 'a repeated status',
    input: {
      streamGroupIdentifier: 'sg-1',
      statuses: [Status.STREAM_SESSION_STATUS_ERROR, Status.STREAM_SESSION_STATUS_ERROR],
    },
    fields: ['statuses'],
  },
  { name: 'statuses that are not a list', input: { streamGroupIdentifier: 'sg-1', statuses: 4 }, fields: ['statuses'] },
  {
    name: 'every field at once',
    input: { streamGroupIdentifier: '../etc', statuses: [Status.STREAM_SESSION_STATUS_TERMINATING] },
    fields: ['stream_group_identifier', 'statuses'],
  },
  { name: 'not an object', input: 'sg-1', fields: ['request'] },
];

describe('decodeWatchRequest', () => {
  it('accepts a group ID, in the default region, about all five statuses when it names none', () => {
    const result = decode({ streamGroupIdentifier: 'sg-1AB2C3De4', statuses: [] });
    assert.ok(E.isRight(result));
    assert.equal(result.right.region, 'us-west-2');
    assert.equal(result.right.streamGroupId, 'sg-1AB2C3De4');
    assert.deepEqual([...result.right.statuses].sort(), [...ALL_FIVE].sort());
  });

  it("accepts a group ARN, in its region, and polls the group's ID", () => {
    const result = decode({ streamGroupIdentifier: groupArn('eu-west-1') });
    assert.ok(E.isRight(result));
    assert.equal(result.right.region, 'eu-west-1');
    assert.equal(result.right.streamGroupIdentifier, groupArn('eu-west-1'));
    assert.equal(result.right.streamGroupId, 'sg-1AB2C3De4');
  });

  it('keeps the statuses named, by their AWS names', () => {
    const result = decode({
      streamGroupIdentifier: 'sg-1',
      statuses: [Status.STREAM_SESSION_STATUS_PENDING_CLIENT_RECONNECTION, Status.STREAM_SESSION_STATUS_CONNECTED],
    });
    assert.ok(E.isRight(result));
    assert.deepEqual([...result.right.statuses], ['PENDING_CLIENT_RECONNECTION', 'CONNECTED']);
  });

  for (const { name, input, fields } of REFUSED) {
    it(`refuses ${name}, naming ${fields.join(' and ')}`, () => {
      const result = decode(input);
      assert.ok(E.isLeft(result), 'expected the request to be refused');
      assert.deepEqual(
        result.left.violations.map((violation) => violation.field),
        fields,
      );
      for (const violation of result.left.violations) assert.ok(!violation.description.includes('../etc'));
    });
  }
});
