import { strict as assert } from 'node:assert';

import { GetStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import * as grpc from '@grpc/grpc-js';

import { bearerMetadata, type ReconnectCallError, type ReconnectClient } from '../../src/client/reconnect-client';
import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import { randomToken, useCallersFile } from '../support/callers-fixture';
import {
  ACCOUNT_ID,
  GROUP_ARN,
  GROUP_ID,
  REGION,
  disconnectedSession,
  upstreamCalls,
  useHarness,
  type StartedSession,
} from '../support/service-harness';
import { expectLeft, expectRight } from '../support/task-either';

const OFFER = '{"type":"offer","sdp":"v=0 authorization-e2e-offer"}';
const OTHER_GROUP_ID = 'sg-e2eOther1';
const OTHER_GROUP_ARN = `arn:aws:gameliftstreams:${REGION}:${ACCOUNT_ID}:streamgroup/${OTHER_GROUP_ID}`;
const DEADLINE = { deadlineMs: 10_000 };

interface Target {
  readonly streamGroupIdentifier: string;
  readonly streamSessionIdentifier: string;
}

const byId = (groupId: string, session: StartedSession): Target => ({
  streamGroupIdentifier: groupId,
  streamSessionIdentifier: session.id,
});
const byArn = (groupArn: string, session: StartedSession): Target => ({
  streamGroupIdentifier: groupArn,
  streamSessionIdentifier: session.arn,
});

describe('authorization end to end (stream group grants, session ownership)', function () {
  this.timeout(30_000);
  const callerKeys = ['byId', 'byArn', 'everything', 'elsewhere'] as const;
  const tokens = {
    byId: randomToken(),
    byArn: randomToken(),
    everything: randomToken(),
    elsewhere: randomToken(),
  };
  const callers = useCallersFile([
    { name: 'by-id', token: tokens.byId, streamGroups: [GROUP_ID] },
    { name: 'by-arn', token: tokens.byArn, streamGroups: [GROUP_ARN] },
    { name: 'everything', token: tokens.everything, streamGroups: ['*'] },
    { name: 'elsewhere', token: tokens.elsewhere, streamGroups: [OTHER_GROUP_ID] },
  ]);
  const harness = useHarness(() => ({
    security: {
      tls: undefined,
      callersFile: callers().path,
      allowInsecurePlaintext: false,
      healthRequiresAuthentication: false,
    },
  }));
  const clients = new Map<keyof typeof tokens, ReconnectClient>();
  const as = (caller: keyof typeof tokens): ReconnectClient =>
    clients.get(caller) ?? assert.fail(`no client for ${caller}`);

  before(async () => {
    await expectRight(harness().control.createStreamGroup({ id: OTHER_GROUP_ID }));
    for (const caller of callerKeys) {
      clients.set(
        caller,
        harness().connect(grpc.credentials.createInsecure(), { metadata: bearerMetadata(tokens[caller]) }),
      );
    }
  });

  async function reconnects(caller: keyof typeof tokens, target: Target, userId?: string): Promise<void> {
    const response = await expectRight(
      as(caller).reconnectStreamSession({ ...target, signalRequest: OFFER, userId }, DEADLINE),
    );
    assert.equal(response.signalResponse, emulatorSignalResponse(OFFER));
  }

  function assertNotAllowed(error: ReconnectCallError, caller: string, target: Target): void {
    assert.equal(error.code, grpc.status.PERMISSION_DENIED, `${error.codeName}: ${error.message}`);
    assert.equal(error.details.errorInfo?.reason, 'CALLER_NOT_ALLOWED');
    assert.deepEqual(error.details.errorInfo?.metadata, {
      caller,
      streamGroupIdentifier: target.streamGroupIdentifier,
      streamSessionIdentifier: target.streamSessionIdentifier,
    });
    assert.match(error.message, new RegExp(`caller "${caller}" may not touch stream group`));
  }

  /** Both RPCs for the target: each PERMISSION_DENIED / CALLER_NOT_ALLOWED, and nothing reaches the emulator. */
  async function assertRefusedBothRpcs(caller: keyof typeof tokens, name: string, target: Target): Promise<void> {
    const before = await upstreamCalls(harness());
    assertNotAllowed(
      await expectLeft(as(caller).reconnectStreamSession({ ...target, signalRequest: OFFER }, DEADLINE)),
      name,
      target,
    );
    assertNotAllowed(await expectLeft(as(caller).getStreamSession(target, DEADLINE)), name, target);
    assert.deepEqual(await upstreamCalls(harness()), before);
  }

  describe('stream group grants', () => {
    it('a grant by ID allows its group, requested by ID or by ARN', async () => {
      await reconnects('byId', byId(GROUP_ID, await disconnectedSession(harness())));
      await reconnects('byId', byArn(GROUP_ARN, await disconnectedSession(harness())));
      await expectRight(as('byId').getStreamSession(byArn(GROUP_ARN, await disconnectedSession(harness())), DEADLINE));
    });

    it('a grant by ARN allows its group, requested by ARN or by ID (in the default region)', async () => {
      await reconnects('byArn', byArn(GROUP_ARN, await disconnectedSession(harness())));
      await reconnects('byArn', byId(GROUP_ID, await disconnectedSession(harness())));
    });

    it('"*" allows every group', async () => {
      await reconnects('everything', byId(GROUP_ID, await disconnectedSession(harness())));
      await reconnects(
        'everything',
        byArn(OTHER_GROUP_ARN, await disconnectedSession(harness(), 120, { groupId: OTHER_GROUP_ID })),
      );
    });

    it('another group → PERMISSION_DENIED (CALLER_NOT_ALLOWED) for both RPCs, with no upstream call', async () => {
      const inOtherGroup = await disconnectedSession(harness(), 120, { groupId: OTHER_GROUP_ID });
      await assertRefusedBothRpcs('byId', 'by-id', byId(OTHER_GROUP_ID, inOtherGroup));
      await assertRefusedBothRpcs('byId', 'by-id', byArn(OTHER_GROUP_ARN, inOtherGroup));
      await assertRefusedBothRpcs('byArn', 'by-arn', byId(OTHER_GROUP_ID, inOtherGroup));
      const inGroup = await disconnectedSession(harness());
      await assertRefusedBothRpcs('elsewhere', 'elsewhere', byId(GROUP_ID, inGroup));
      // The sessions were never touched: each is still waiting for its reconnect.
      for (const [groupId, session] of [
        [OTHER_GROUP_ID, inOtherGroup],
        [GROUP_ID, inGroup],
      ] as const) {
        const status = await harness().aws.send(
          new GetStreamSessionCommand({ Identifier: groupId, StreamSessionIdentifier: session.id }),
        );
        assert.equal(status.Status, 'PENDING_CLIENT_RECONNECTION');
      }
    });

    it('a grant by ARN does not cover the same group ID in another account', async () => {
      const otherAccount = `arn:aws:gameliftstreams:${REGION}:444455556666:streamgroup/${GROUP_ID}`;
      await assertRefusedBothRpcs('byArn', 'by-arn', {
        streamGroupIdentifier: otherAccount,
        streamSessionIdentifier: `arn:aws:gameliftstreams:${REGION}:444455556666:streamsession/${GROUP_ID}/ABC123def4567`,
      });
    });

    it('an invalid request is INVALID_ARGUMENT before authorization, and makes no upstream call', async () => {
      const before = await upstreamCalls(harness());
      const error = await expectLeft(
        as('elsewhere').reconnectStreamSession(
          { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: 'ABC123def4567', signalRequest: '' },
          DEADLINE,
        ),
      );
      assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
      assert.deepEqual(await upstreamCalls(harness()), before);
    });
  });

  describe('session ownership (user_id)', () => {
    it('the player who started the session reconnects (the session is read first)', async () => {
      const session = await disconnectedSession(harness(), 120, { userId: 'player-1' });
      const before = await upstreamCalls(harness());
      await reconnects('byId', byId(GROUP_ID, session), 'player-1');
      const after = await upstreamCalls(harness());
      assert.equal(after.GetStreamSession, (before.GetStreamSession ?? 0) + 1);
      assert.equal(after.CreateStreamSessionConnection, (before.CreateStreamSessionConnection ?? 0) + 1);
    });

    it('another player → PERMISSION_DENIED (SESSION_NOT_OWNED_BY_USER): the session was read, not reconnected', async () => {
      const session = await disconnectedSession(harness(), 120, { userId: 'player-1' });
      const before = await upstreamCalls(harness());
      const linesBefore = harness().logs.lines.length;
      const error = await expectLeft(
        as('everything').reconnectStreamSession(
          { ...byArn(GROUP_ARN, session), signalRequest: OFFER, userId: 'player-2' },
          DEADLINE,
        ),
      );
      assert.equal(error.code, grpc.status.PERMISSION_DENIED, error.message);
      assert.equal(error.details.errorInfo?.reason, 'SESSION_NOT_OWNED_BY_USER');
      assert.equal(error.details.preconditionFailure?.violations[0]?.type, 'STREAM_SESSION_OWNER');
      assert.ok(
        !error.message.includes('player-1') && !JSON.stringify(error.details).includes('player-1'),
        'the owner is not disclosed',
      );
      const logged = harness().logs.lines.slice(linesBefore).join('');
      assert.match(logged, /SESSION_NOT_OWNED_BY_USER/);
      assert.ok(
        !logged.includes('player-1') && !logged.includes('player-2'),
        'neither the owner nor user_id is logged',
      );
      const after = await upstreamCalls(harness());
      assert.equal(after.GetStreamSession, (before.GetStreamSession ?? 0) + 1);
      assert.equal(after.CreateStreamSessionConnection, before.CreateStreamSessionConnection);
      const status = await harness().aws.send(
        new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
      );
      assert.equal(status.Status, 'PENDING_CLIENT_RECONNECTION');
    });

    it('a session started for no player belongs to no user_id', async () => {
      const session = await disconnectedSession(harness());
      const before = await upstreamCalls(harness());
      const error = await expectLeft(
        as('byId').reconnectStreamSession(
          { ...byId(GROUP_ID, session), signalRequest: OFFER, userId: 'player-1' },
          DEADLINE,
        ),
      );
      assert.equal(error.details.errorInfo?.reason, 'SESSION_NOT_OWNED_BY_USER');
      assert.equal(
        (await upstreamCalls(harness())).CreateStreamSessionConnection,
        before.CreateStreamSessionConnection,
      );
      // Without user_id, the same caller may reconnect it: ownership is checked only when asked.
      await reconnects('byId', byId(GROUP_ID, session));
    });

    it('the grant is checked before ownership: another group is CALLER_NOT_ALLOWED without reading the session', async () => {
      const session = await disconnectedSession(harness(), 120, { groupId: OTHER_GROUP_ID, userId: 'player-1' });
      const before = await upstreamCalls(harness());
      const error = await expectLeft(
        as('byId').reconnectStreamSession(
          { ...byId(OTHER_GROUP_ID, session), signalRequest: OFFER, userId: 'player-1' },
          DEADLINE,
        ),
      );
      assertNotAllowed(error, 'by-id', byId(OTHER_GROUP_ID, session));
      assert.deepEqual(await upstreamCalls(harness()), before);
    });

    for (const userId of ['a b', '', 'player;1']) {
      it(`an invalid user_id (${JSON.stringify(userId)}) → INVALID_ARGUMENT naming user_id, no upstream call`, async () => {
        const session = await disconnectedSession(harness(), 120, { userId: 'player-1' });
        const before = await upstreamCalls(harness());
        const error = await expectLeft(
          as('byId').reconnectStreamSession({ ...byId(GROUP_ID, session), signalRequest: OFFER, userId }, DEADLINE),
        );
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT, error.message);
        assert.deepEqual(
          error.details.badRequest?.fieldViolations.map((violation) => violation.field),
          ['user_id'],
        );
        assert.deepEqual(await upstreamCalls(harness()), before);
      });
    }
  });
});
