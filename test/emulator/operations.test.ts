import { strict as assert } from 'node:assert';
import {
  CreateStreamSessionConnectionCommand,
  GetStreamSessionCommand,
  ListStreamSessionsCommand,
  StartStreamSessionCommand,
  TerminateStreamSessionCommand,
} from '@aws-sdk/client-gameliftstreams';
import { emulatorSignalResponse, NO_CLIENT_CONNECTION } from '../../src/emulator/signal-answer';
import {
  ACCOUNT_ID,
  droppedSession,
  GROUP_ARN,
  GROUP_ID,
  OFFER,
  REGION,
  right,
  startSession,
  useTestEmulator,
} from './support/fixture';

describe('emulator: the operations through the real SDK', () => {
  const fixture = useTestEmulator();

  it('StartStreamSession answers 201 with the session in ACTIVATING and every recorded field', async () => {
    const before = Date.now();
    const output = await fixture().sdk.send(
      new StartStreamSessionCommand({
        Identifier: GROUP_ID,
        Protocol: 'WebRTC',
        SignalRequest: OFFER,
        ApplicationIdentifier: 'a-test00001',
        UserId: 'player/42=+',
        ConnectionTimeoutSeconds: 300,
        SessionLengthSeconds: 600,
        Description: 'first',
      }),
    );
    assert.equal(output.$metadata.httpStatusCode, 201);
    assert.match(output.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(output.Status, 'ACTIVATING');
    assert.match(
      output.Arn ?? '',
      new RegExp(`^arn:aws:gameliftstreams:${REGION}:${ACCOUNT_ID}:streamsession/${GROUP_ID}/[A-Za-z0-9]{13}$`),
    );
    assert.equal(output.StreamGroupId, GROUP_ID);
    assert.equal(output.UserId, 'player/42=+');
    assert.equal(output.Protocol, 'WebRTC');
    assert.equal(output.Location, REGION);
    assert.equal(output.ConnectionTimeoutSeconds, 300);
    assert.equal(output.SessionLengthSeconds, 600);
    assert.equal(output.Description, 'first');
    assert.equal(output.ApplicationArn, `arn:aws:gameliftstreams:${REGION}:${ACCOUNT_ID}:application/a-test00001`);
    assert.equal(output.SignalResponse, emulatorSignalResponse(OFFER));
    assert.ok(output.CreatedAt instanceof Date && output.CreatedAt.getTime() >= before - 1000);
    assert.ok(output.LastUpdatedAt instanceof Date);
  });

  it('the newer members (PerformanceStatsConfiguration, RoleArn, DisplayConfiguration) are stored and returned', async () => {
    const roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/GameLiftStreams-player-app`;
    const started = await fixture().sdk.send(
      new StartStreamSessionCommand({
        Identifier: GROUP_ID,
        Protocol: 'WebRTC',
        SignalRequest: OFFER,
        ApplicationIdentifier: 'a-test00001',
        PerformanceStatsConfiguration: { SharedWithClient: true },
        RoleArn: roleArn,
        DisplayConfiguration: { Resolution: { Width: 1280, Height: 720 } },
      }),
    );
    const got = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: started.Arn ?? '' }),
    );
    for (const output of [started, got]) {
      assert.deepEqual(output.PerformanceStatsConfiguration, { SharedWithClient: true });
      assert.equal(output.RoleArn, roleArn);
      assert.deepEqual(output.DisplayConfiguration, { Resolution: { Width: 1280, Height: 720 } });
    }
    const listed = await fixture().sdk.send(new ListStreamSessionsCommand({ Identifier: GROUP_ID }));
    assert.equal(listed.Items?.[0]?.RoleArn, roleArn);
  });

  it('a session started without the newer members returns none of them', async () => {
    const session = await startSession(fixture().sdk);
    const got = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(got.PerformanceStatsConfiguration, undefined);
    assert.equal(got.RoleArn, undefined);
    assert.equal(got.DisplayConfiguration, undefined);
  });

  it('ListStreamSessions items carry StatusReason', async () => {
    const session = await startSession(fixture().sdk);
    await fixture().sdk.send(
      new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    const listed = await fixture().sdk.send(new ListStreamSessionsCommand({ Identifier: GROUP_ID }));
    assert.deepEqual(
      listed.Items?.map((item) => [item.Arn, item.Status, item.StatusReason]),
      [[session.arn, 'TERMINATED', 'apiTerminated']],
    );
  });

  it('StartStreamSession applies the documented defaults (120 s, 43200 s)', async () => {
    const session = await startSession(fixture().sdk);
    const output = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(output.ConnectionTimeoutSeconds, 120);
    assert.equal(output.SessionLengthSeconds, 43_200);
  });

  it('GetStreamSession answers 200 and already shows ACTIVE with immediate transitions', async () => {
    const session = await startSession(fixture().sdk);
    const output = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(output.$metadata.httpStatusCode, 200);
    assert.equal(output.Status, 'ACTIVE');
    assert.equal(output.Arn, session.arn);
    assert.equal(output.SignalResponse, emulatorSignalResponse(OFFER));
  });

  it('a session started with NO_CLIENT_CONNECTION has no signal response', async () => {
    const session = await startSession(fixture().sdk, { SignalRequest: NO_CLIENT_CONNECTION });
    const output = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(output.SignalResponse, undefined);
  });

  it('ListStreamSessions answers 200, filters by Status and pages with NextToken', async () => {
    const sessions = [];
    for (let index = 0; index < 5; index += 1) {
      sessions.push(await startSession(fixture().sdk));
    }
    const [first] = sessions;
    assert.ok(first !== undefined);
    await fixture().sdk.send(
      new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: first.id }),
    );

    const page1 = await fixture().sdk.send(new ListStreamSessionsCommand({ Identifier: GROUP_ID, MaxResults: 3 }));
    assert.equal(page1.$metadata.httpStatusCode, 200);
    assert.equal(page1.Items?.length, 3);
    assert.ok(page1.NextToken !== undefined);
    const page2 = await fixture().sdk.send(
      new ListStreamSessionsCommand({ Identifier: GROUP_ID, MaxResults: 3, NextToken: page1.NextToken }),
    );
    assert.equal(page2.Items?.length, 2);
    assert.equal(page2.NextToken, undefined);
    const listed = [...(page1.Items ?? []), ...(page2.Items ?? [])].map((item) => item.Arn);
    assert.deepEqual(
      listed,
      sessions.map((session) => session.arn),
    );

    const active = await fixture().sdk.send(new ListStreamSessionsCommand({ Identifier: GROUP_ID, Status: 'ACTIVE' }));
    assert.equal(active.Items?.length, 4);
    const item = active.Items?.[0];
    assert.equal(item?.Status, 'ACTIVE');
    assert.equal(item?.Protocol, 'WebRTC');
    assert.equal(item?.Location, REGION);
    assert.ok(item?.CreatedAt instanceof Date);
    const exported = await fixture().sdk.send(
      new ListStreamSessionsCommand({ Identifier: GROUP_ID, ExportFilesStatus: 'SUCCEEDED' }),
    );
    assert.deepEqual(exported.Items, []);
  });

  it('TerminateStreamSession answers 204, goes TERMINATED/apiTerminated, and is idempotent', async () => {
    const session = await startSession(fixture().sdk);
    const output = await fixture().sdk.send(
      new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(output.$metadata.httpStatusCode, 204);
    const after = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(after.Status, 'TERMINATED');
    assert.equal(after.StatusReason, 'apiTerminated');
    const again = await fixture().sdk.send(
      new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(again.$metadata.httpStatusCode, 204);
  });

  it('CreateStreamSessionConnection answers 200 with the deterministic answer', async () => {
    const session = await droppedSession(fixture());
    const output = await fixture().sdk.send(
      new CreateStreamSessionConnectionCommand({
        Identifier: GROUP_ID,
        StreamSessionIdentifier: session.id,
        SignalRequest: 'offer-2',
      }),
    );
    assert.equal(output.$metadata.httpStatusCode, 200);
    assert.equal(output.SignalResponse, emulatorSignalResponse('offer-2'));
    assert.match(output.SignalResponse ?? '', /emulator-answer-[0-9a-f]{16}/);
    assert.ok(!(output.SignalResponse ?? '').includes('offer-2'));
  });

  it('routes group and session ARNs, which the SDK percent-encodes, and records them decoded', async () => {
    const session = await droppedSession(fixture());
    const output = await fixture().sdk.send(
      new CreateStreamSessionConnectionCommand({
        Identifier: GROUP_ARN,
        StreamSessionIdentifier: session.arn,
        SignalRequest: OFFER,
      }),
    );
    assert.equal(output.SignalResponse, emulatorSignalResponse(OFFER));
    const got = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ARN, StreamSessionIdentifier: session.arn }),
    );
    assert.equal(got.Arn, session.arn);
    const listed = await fixture().sdk.send(new ListStreamSessionsCommand({ Identifier: GROUP_ARN }));
    assert.equal(listed.Items?.length, 1);
    const seen = await right(fixture().control.requests('CreateStreamSessionConnection'));
    assert.equal(seen.requests.length, 1);
    assert.equal(seen.requests[0]?.identifier, GROUP_ARN);
    assert.equal(seen.requests[0]?.streamSessionIdentifier, session.arn);
  });

  it('records the ClientToken exactly as sent and only a hash of the signal', async () => {
    const session = await droppedSession(fixture());
    const token = 'tok-!~#{}[]-0123456789abcdef0123456789';
    await fixture().sdk.send(
      new CreateStreamSessionConnectionCommand({
        Identifier: GROUP_ID,
        StreamSessionIdentifier: session.id,
        SignalRequest: OFFER,
        ClientToken: token,
      }),
    );
    const seen = await right(fixture().control.requests('CreateStreamSessionConnection'));
    const last = seen.requests[seen.requests.length - 1];
    assert.equal(last?.clientToken, token);
    assert.match(last?.signalRequestSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(seen).includes(OFFER));
  });
});
