import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import { authorizeStreamGroup, parseGrant, type Caller, type StreamGroupGrant } from '../../../src/domain/call-context';
import { decodeSessionReference, type SessionReference } from '../../../src/domain/request';

const GROUP = 'sg-1AB2C3De4';
const OTHER_GROUP = 'sg-9ZZ8YY7xx';
const ACCOUNT = '111122223333';
const groupArn = (group: string, region = 'us-west-2', account = ACCOUNT): string =>
  `arn:aws:gameliftstreams:${region}:${account}:streamgroup/${group}`;
const sessionArn = (group: string, region = 'us-west-2', account = ACCOUNT): string =>
  `arn:aws:gameliftstreams:${region}:${account}:streamsession/${group}/ABC123def4567`;

/** References are decoded as the service decodes requests, so they carry the region it would use. */
const decode = decodeSessionReference({
  defaultRegion: 'us-west-2',
  servedRegions: new Set(['us-west-2', 'eu-west-1']),
});
function reference(streamGroupIdentifier: string, streamSessionIdentifier = 'ABC123def4567'): SessionReference {
  const decoded = decode({ streamGroupIdentifier, streamSessionIdentifier });
  if (E.isLeft(decoded)) {
    throw new Error(`test reference does not decode: ${JSON.stringify(decoded.left)}`);
  }
  return decoded.right;
}

function grant(text: string): StreamGroupGrant {
  const parsed = parseGrant(text);
  if (parsed === undefined) {
    throw new Error(`test grant does not parse: ${text}`);
  }
  return parsed;
}

const caller = (...grants: ReadonlyArray<string>): Caller => ({ name: 'lobby', grants: grants.map(grant) });
const allowed = (who: Caller, target: SessionReference): boolean => E.isRight(authorizeStreamGroup(who, target));

describe('caller grants', () => {
  describe('parseGrant', () => {
    it('reads "*", a stream group ID and a stream group ARN', () => {
      assert.deepEqual(parseGrant('*'), { _tag: 'AnyStreamGroup' });
      assert.deepEqual(parseGrant(GROUP), { _tag: 'StreamGroupId', id: GROUP });
      assert.deepEqual(parseGrant(groupArn(GROUP, 'eu-west-1')), {
        _tag: 'StreamGroupArn',
        region: 'eu-west-1',
        accountId: ACCOUNT,
        id: GROUP,
      });
    });

    const refused: ReadonlyArray<[string, string]> = [
      ['', 'empty'],
      ['sg_1', 'an ID with an underscore'],
      ['sg-*', 'a pattern other than "*"'],
      ['**', 'two stars'],
      [' sg-1', 'a leading space'],
      [sessionArn(GROUP), 'a stream session ARN'],
      [`${groupArn(GROUP)}/extra`, 'a stream group ARN with more after the ID'],
      ['arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/', 'a stream group ARN without an ID'],
      ['arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/*', 'a stream group ARN with a wildcard ID'],
      ['arn:aws:gameliftstreams:us-west-2:1111:streamgroup/sg-1', 'an ARN with a short account'],
      [`arn:aws:gamelift:us-west-2:${ACCOUNT}:streamgroup/sg-1`, 'an ARN of another service'],
    ];
    for (const [text, what] of refused) {
      it(`refuses ${what}`, () => {
        assert.equal(parseGrant(text), undefined);
      });
    }
  });

  describe('authorizeStreamGroup', () => {
    it('"*" covers every stream group, by ID or ARN, in any served region', () => {
      const anyone = caller('*');
      assert.ok(allowed(anyone, reference(GROUP)));
      assert.ok(allowed(anyone, reference(OTHER_GROUP)));
      assert.ok(allowed(anyone, reference(groupArn(OTHER_GROUP, 'eu-west-1'))));
    });

    it('an ID grant covers its group by ID and by ARN, in any region, and no other group', () => {
      const byId = caller(GROUP);
      assert.ok(allowed(byId, reference(GROUP)));
      assert.ok(allowed(byId, reference(groupArn(GROUP), sessionArn(GROUP))));
      assert.ok(allowed(byId, reference(groupArn(GROUP, 'eu-west-1'))));
      assert.ok(allowed(byId, reference(GROUP, sessionArn(GROUP))));
      assert.ok(!allowed(byId, reference(OTHER_GROUP)));
      assert.ok(!allowed(byId, reference(groupArn(OTHER_GROUP))));
    });

    it('an ARN grant covers its group in its region and account only', () => {
      const byArn = caller(groupArn(GROUP));
      assert.ok(allowed(byArn, reference(groupArn(GROUP))));
      // A plain ID is resolved in the default region, which is the grant's.
      assert.ok(allowed(byArn, reference(GROUP)));
      assert.ok(allowed(byArn, reference(GROUP, sessionArn(GROUP))));
      assert.ok(!allowed(byArn, reference(groupArn(GROUP, 'eu-west-1'))), 'another region');
      assert.ok(
        !allowed(byArn, reference(GROUP, sessionArn(GROUP, 'eu-west-1'))),
        'a plain group ID in another region',
      );
      assert.ok(!allowed(byArn, reference(groupArn(GROUP, 'us-west-2', '444455556666'))), 'another account');
      assert.ok(!allowed(byArn, reference(groupArn(OTHER_GROUP))), 'another group');
      assert.ok(!allowed(byArn, reference(OTHER_GROUP)), 'another group by ID');
    });

    it('an ARN grant in another region does not cover the group by plain ID (resolved in the default region)', () => {
      assert.ok(!allowed(caller(groupArn(GROUP, 'eu-west-1')), reference(GROUP)));
      assert.ok(allowed(caller(groupArn(GROUP, 'eu-west-1')), reference(groupArn(GROUP, 'eu-west-1'))));
    });

    it('any one of several grants is enough; none at all allows nothing', () => {
      assert.ok(allowed(caller(OTHER_GROUP, groupArn(GROUP)), reference(GROUP)));
      assert.ok(!allowed(caller(), reference(GROUP)));
    });

    it('says who was refused what, in a CallerNotAllowed that names the target as requested', () => {
      const target = reference(groupArn(OTHER_GROUP), sessionArn(OTHER_GROUP));
      assert.deepEqual(authorizeStreamGroup(caller(GROUP), target), {
        _tag: 'Left',
        left: {
          _tag: 'CallerNotAllowed',
          caller: 'lobby',
          target: { streamGroupIdentifier: groupArn(OTHER_GROUP), streamSessionIdentifier: sessionArn(OTHER_GROUP) },
        },
      });
      assert.deepEqual(authorizeStreamGroup(caller(GROUP), reference(GROUP)), E.right(reference(GROUP)));
    });
  });
});
