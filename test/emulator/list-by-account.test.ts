import { strict as assert } from 'node:assert';
import {
  ListStreamSessionsByAccountCommand,
  type StreamSessionSummary,
  paginateListStreamSessionsByAccount,
  TerminateStreamSessionCommand,
} from '@aws-sdk/client-gameliftstreams';
import {
  GROUP_ID,
  raiseRateLimits,
  rawRequest,
  right,
  type StartedSession,
  startSession,
  useTestEmulator,
} from './support/fixture';

const OTHER_GROUP = 'sg-other0001';

describe('emulator: ListStreamSessionsByAccount (GET /streamsessions) through the real SDK', () => {
  const fixture = useTestEmulator();

  /** Sessions started alternately in two groups, so that creation order crosses groups. */
  const sessionsInTwoGroups = async (count: number): Promise<StartedSession[]> => {
    await right(fixture().control.createStreamGroup({ id: OTHER_GROUP }));
    const sessions: StartedSession[] = [];
    for (let index = 0; index < count; index += 1) {
      sessions.push(await startSession(fixture().sdk, { Identifier: index % 2 === 0 ? GROUP_ID : OTHER_GROUP }));
    }
    return sessions;
  };

  it('lists the sessions of every group of the account, in creation order, with their summaries', async () => {
    const sessions = await sessionsInTwoGroups(4);
    const [first] = sessions;
    assert.ok(first !== undefined);
    await fixture().sdk.send(
      new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: first.id }),
    );
    const output = await fixture().sdk.send(new ListStreamSessionsByAccountCommand({}));
    assert.equal(output.$metadata.httpStatusCode, 200);
    assert.deepEqual(
      output.Items?.map((item) => item.Arn),
      sessions.map((session) => session.arn),
    );
    assert.deepEqual(
      output.Items?.map((item) => item.Arn?.split('/')[1]),
      [GROUP_ID, OTHER_GROUP, GROUP_ID, OTHER_GROUP],
    );
    assert.deepEqual([output.Items?.[0]?.Status, output.Items?.[0]?.StatusReason], ['TERMINATED', 'apiTerminated']);
    assert.equal(output.NextToken, undefined);
  });

  it('filters by Status and by ExportFilesStatus as the SDK sends them (query parameters)', async () => {
    const sessions = await sessionsInTwoGroups(3);
    const [first] = sessions;
    assert.ok(first !== undefined);
    await fixture().sdk.send(
      new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: first.id }),
    );
    const active = await fixture().sdk.send(new ListStreamSessionsByAccountCommand({ Status: 'ACTIVE' }));
    assert.deepEqual(
      active.Items?.map((item) => item.Arn),
      sessions.slice(1).map((session) => session.arn),
    );
    const terminated = await fixture().sdk.send(new ListStreamSessionsByAccountCommand({ Status: 'TERMINATED' }));
    assert.deepEqual(
      terminated.Items?.map((item) => item.Arn),
      [first.arn],
    );
    const exported = await fixture().sdk.send(
      new ListStreamSessionsByAccountCommand({ ExportFilesStatus: 'SUCCEEDED' }),
    );
    assert.deepEqual(exported.Items, []);
  });

  it("the SDK's paginator walks every page, MaxResults at a time, and sees each session once", async () => {
    const sessions = await sessionsInTwoGroups(5);
    const pages: Array<readonly StreamSessionSummary[]> = [];
    for await (const page of paginateListStreamSessionsByAccount({ client: fixture().sdk, pageSize: 2 }, {})) {
      pages.push(page.Items ?? []);
      assert.ok(pages.length <= 10, 'the paginator does not stop');
    }
    assert.deepEqual(
      pages.map((page) => page.length),
      [2, 2, 1],
    );
    assert.deepEqual(
      pages.flat().map((item) => item.Arn),
      sessions.map((session) => session.arn),
    );
  });

  it('a session started between two pages appears on the later page, and none repeats', async () => {
    const sessions = await sessionsInTwoGroups(2);
    const first = await fixture().sdk.send(new ListStreamSessionsByAccountCommand({ MaxResults: 1 }));
    const later = await startSession(fixture().sdk);
    const rest = await fixture().sdk.send(
      new ListStreamSessionsByAccountCommand({ MaxResults: 10, NextToken: first.NextToken }),
    );
    assert.deepEqual(
      [...(first.Items ?? []), ...(rest.Items ?? [])].map((item) => item.Arn),
      [...sessions, later].map((session) => session.arn),
    );
  });

  it('an unknown Status, a bad MaxResults or a foreign NextToken is a ValidationException; an account without groups lists nothing', async () => {
    await raiseRateLimits(fixture().control, ['ListStreamSessionsByAccount']);
    for (const query of [
      'Status=SLEEPING',
      'ExportFilesStatus=DONE',
      'MaxResults=0',
      'MaxResults=101',
      'MaxResults=-1',
      'NextToken=forged',
    ]) {
      const answer = await rawRequest(fixture().emulator.endpoint, 'GET', `/streamsessions?${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.headers.get('x-amzn-errortype'), 'ValidationException', query);
    }
    await right(fixture().control.reset());
    const empty = await fixture().sdk.send(new ListStreamSessionsByAccountCommand({}));
    assert.deepEqual(empty.Items, []);
  });

  it('is recorded without an Identifier, and counted', async () => {
    await fixture().sdk.send(new ListStreamSessionsByAccountCommand({}));
    const seen = await right(fixture().control.requests('ListStreamSessionsByAccount'));
    assert.equal(seen.requests.length, 1);
    assert.equal(seen.requests[0]?.identifier, undefined);
    const counters = await right(fixture().control.counters());
    assert.equal(counters.calls.ListStreamSessionsByAccount, 1);
  });
});
