import { strict as assert } from 'node:assert';
import {
  CreateStreamSessionConnectionCommand,
  GetStreamSessionCommand,
  ResourceNotFoundException,
  StartStreamSessionCommand,
  type StartStreamSessionCommandInput,
  ValidationException,
} from '@aws-sdk/client-gameliftstreams';
import {
  ACCOUNT_ID,
  droppedSession,
  GROUP_ID,
  OFFER,
  raiseRateLimits,
  rawRequest,
  rejectionOf,
  REGION,
  right,
  startSession,
  startSessionInput,
  useTestEmulator,
} from './support/fixture';

describe('emulator: validation and unknown resources', () => {
  const fixture = useTestEmulator();

  const connect = (input: {
    Identifier: string;
    StreamSessionIdentifier: string;
    SignalRequest: string;
    ClientToken?: string;
  }): Promise<unknown> => fixture().sdk.send(new CreateStreamSessionConnectionCommand(input));

  const expectValidation = async (call: Promise<unknown>, pattern: RegExp): Promise<ValidationException> => {
    const error = await rejectionOf(call);
    assert.ok(error instanceof ValidationException, `expected ValidationException, got ${String(error)}`);
    assert.equal(error.$metadata.httpStatusCode, 400);
    assert.match(error.message, pattern);
    return error;
  };

  const badIdentifiers = [
    'has space',
    'sg_underscore',
    'x'.repeat(129),
    'arn:aws:gameliftstreams:us-west-2:12345:streamgroup/sg-1',
    'arn:aws:s3:::bucket',
  ];
  for (const identifier of badIdentifiers) {
    it(`rejects the stream group identifier ${JSON.stringify(identifier.slice(0, 40))}`, async () => {
      await expectValidation(
        fixture().sdk.send(
          new GetStreamSessionCommand({ Identifier: identifier, StreamSessionIdentifier: 'ABC123def4567' }),
        ),
        /Identifier/,
      );
    });
  }

  it('rejects a bad session identifier', async () => {
    await expectValidation(
      fixture().sdk.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: 'not/valid' })),
      /StreamSessionIdentifier/,
    );
  });

  it('rejects a short ClientToken, a ClientToken with a space, and an empty SignalRequest, all at once', async () => {
    const session = await droppedSession(fixture());
    await expectValidation(
      connect({
        Identifier: GROUP_ID,
        StreamSessionIdentifier: session.id,
        SignalRequest: OFFER,
        ClientToken: 'short',
      }),
      /ClientToken/,
    );
    await expectValidation(
      connect({
        Identifier: GROUP_ID,
        StreamSessionIdentifier: session.id,
        SignalRequest: OFFER,
        ClientToken: `${'a'.repeat(32)} b`,
      }),
      /ClientToken/,
    );
    const error = await expectValidation(
      connect({ Identifier: 'bad id', StreamSessionIdentifier: session.id, SignalRequest: '', ClientToken: 'short' }),
      /^3 validation errors detected/,
    );
    assert.match(error.message, /SignalRequest must be at least 1 character long/);
  });

  it('rejects a missing SignalRequest and wrong JSON types', async () => {
    const session = await droppedSession(fixture());
    const path = `/streamgroups/${GROUP_ID}/streamsessions/${session.id}/connections`;
    const missing = await rawRequest(fixture().emulator.endpoint, 'POST', path, '{}');
    assert.equal(missing.status, 400);
    assert.equal(missing.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.match(missing.text, /SignalRequest is required/);
    const wrongType = await rawRequest(
      fixture().emulator.endpoint,
      'POST',
      path,
      '{"SignalRequest":42,"ClientToken":["x"]}',
    );
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.text, /SignalRequest must be a string/);
    assert.match(wrongType.text, /ClientToken must be a string/);
  });

  const badStarts: ReadonlyArray<readonly [string, Partial<StartStreamSessionCommandInput>, RegExp]> = [
    ['a protocol other than WebRTC', { Protocol: 'SRT' as 'WebRTC' }, /Protocol must be WebRTC/],
    ['ConnectionTimeoutSeconds 0', { ConnectionTimeoutSeconds: 0 }, /ConnectionTimeoutSeconds/],
    ['ConnectionTimeoutSeconds 3601', { ConnectionTimeoutSeconds: 3601 }, /ConnectionTimeoutSeconds/],
    ['SessionLengthSeconds 86401', { SessionLengthSeconds: 86_401 }, /SessionLengthSeconds/],
    ['a UserId with a space', { UserId: 'player one' }, /UserId/],
    ['an empty SignalRequest', { SignalRequest: '' }, /SignalRequest/],
    ['a bad ApplicationIdentifier', { ApplicationIdentifier: 'app id' }, /ApplicationIdentifier/],
  ];
  for (const [what, overrides, pattern] of badStarts) {
    it(`StartStreamSession rejects ${what}`, async () => {
      await expectValidation(fixture().sdk.send(new StartStreamSessionCommand(startSessionInput(overrides))), pattern);
    });
  }

  it('ListStreamSessions rejects a bad Status, MaxResults out of range and a foreign NextToken', async () => {
    await raiseRateLimits(fixture().control, ['ListStreamSessions']);
    const base = `/streamgroups/${GROUP_ID}/streamsessions`;
    for (const query of [
      'Status=SLEEPING',
      'MaxResults=0',
      'MaxResults=101',
      'MaxResults=ten',
      'NextToken=forged',
      'ExportFilesStatus=DONE',
    ]) {
      const answer = await rawRequest(fixture().emulator.endpoint, 'GET', `${base}?${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.headers.get('x-amzn-errortype'), 'ValidationException', query);
    }
  });

  it('an unknown stream group → ResourceNotFoundException naming it', async () => {
    const error = await rejectionOf(
      fixture().sdk.send(
        new GetStreamSessionCommand({ Identifier: 'sg-missing01', StreamSessionIdentifier: 'ABC123def4567' }),
      ),
    );
    assert.ok(error instanceof ResourceNotFoundException);
    assert.equal(error.$metadata.httpStatusCode, 404);
    assert.match(error.message, /sg-missing01/);
  });

  it('an unknown session → ResourceNotFoundException naming it', async () => {
    const error = await rejectionOf(
      connect({ Identifier: GROUP_ID, StreamSessionIdentifier: 'NoSuchSession1', SignalRequest: OFFER }),
    );
    assert.ok(error instanceof ResourceNotFoundException);
    assert.match(error.message, /NoSuchSession1/);
    assert.ok(!error.message.includes(OFFER));
  });

  it('a session ARN whose group differs from the group label, or from another region, is not found', async () => {
    const session = await startSession(fixture().sdk);
    await right(fixture().control.createStreamGroup({ id: 'sg-other0001' }));
    const elsewhere = await rejectionOf(
      fixture().sdk.send(
        new GetStreamSessionCommand({ Identifier: 'sg-other0001', StreamSessionIdentifier: session.arn }),
      ),
    );
    assert.ok(elsewhere instanceof ResourceNotFoundException);
    const otherRegion = session.arn.replace(`:${REGION}:`, ':eu-west-1:');
    const foreign = await rejectionOf(
      fixture().sdk.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: otherRegion })),
    );
    assert.ok(foreign instanceof ResourceNotFoundException);
    const groupInOtherAccount = `arn:aws:gameliftstreams:${REGION}:999999999999:streamgroup/${GROUP_ID}`;
    assert.notEqual(ACCOUNT_ID, '999999999999');
    const otherAccount = await rejectionOf(
      fixture().sdk.send(
        new GetStreamSessionCommand({ Identifier: groupInOtherAccount, StreamSessionIdentifier: session.id }),
      ),
    );
    assert.ok(otherAccount instanceof ResourceNotFoundException);
  });
});
