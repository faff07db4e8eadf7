import { parseArgs } from 'node:util';

import {
  GameLiftStreamsClient,
  GetStreamSessionCommand,
  StartStreamSessionCommand,
} from '@aws-sdk/client-gameliftstreams';
import * as E from 'fp-ts/Either';

import { ReconnectClient } from '../client/reconnect-client';
import {
  StreamSessionStatus,
  streamSessionStatusFromJSON,
  watchEventTypeToJSON,
  type WatchStreamSessionsResponse,
} from '../gen/reconnect/v1/reconnect';
import { EmulatorControl } from '../emulator/control-client';
import { DEMO_STREAM_GROUP_ID } from '../emulator/demo';
import { EMULATOR_SDK_CREDENTIALS } from '../emulator/sdk-credentials';

const USAGE = `usage:
  npm run cli -- reconnect --group <id|arn> --session <id|arn> --signal-request <offer> [--client-token <token>]
                           [--address 127.0.0.1:50051] [--deadline-ms 10000]
      Calls ReconnectStreamSession and prints the signal response, or the status code and message.
  npm run cli -- watch --group <id|arn> [--status PENDING_CLIENT_RECONNECTION ...] [--address 127.0.0.1:50051]
      Calls WatchStreamSessions and prints one line per event (the snapshot, its end, then each drop, reconnect
      and end) until Ctrl-C, or until the service ends the stream (its status is printed then).
  npm run -s cli -- session [--emulator http://127.0.0.1:50052]
      Against \`npm start\` on the embedded emulator: starts a session in the demo stream group, connects and drops
      its client, and prints the session ID, ready for a reconnect (the examples/ clients take it as argument).
  npm run cli -- demo [--address 127.0.0.1:50051] [--emulator http://127.0.0.1:50052]
      Against \`npm start\` on the embedded emulator: starts a stream session, connects and drops its client,
      reconnects it through the service, and prints every step.`;

const DEFAULT_ADDRESS = '127.0.0.1:50051';
const DEFAULT_EMULATOR = 'http://127.0.0.1:50052';

type Outcome = E.Either<string, string>;

async function reconnect(args: ReadonlyArray<string>): Promise<Outcome> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      group: { type: 'string' },
      session: { type: 'string' },
      'signal-request': { type: 'string' },
      'client-token': { type: 'string' },
      address: { type: 'string', default: DEFAULT_ADDRESS },
      'deadline-ms': { type: 'string', default: '10000' },
    },
  });
  const deadlineMs = Number(values['deadline-ms']);
  if (!Number.isInteger(deadlineMs) || deadlineMs < 1) {
    return E.left(`--deadline-ms must be a positive integer (milliseconds)\n${USAGE}`);
  }
  const client = new ReconnectClient(values.address ?? DEFAULT_ADDRESS);
  const result = await client.reconnectStreamSession(
    {
      streamGroupIdentifier: values.group ?? '',
      streamSessionIdentifier: values.session ?? '',
      signalRequest: values['signal-request'] ?? '',
      clientToken: values['client-token'],
    },
    { deadlineMs },
  )();
  client.close();
  return E.isRight(result)
    ? E.right(result.right.signalResponse)
    : E.left(`${result.left.codeName} (${result.left.code}): ${result.left.message}`);
}

/** One line per event: its type, then what a matchmaker acts on (the session, its status, its window). */
function describeWatchEvent(event: WatchStreamSessionsResponse): string {
  const type = watchEventTypeToJSON(event.type).replace(/^WATCH_EVENT_TYPE_/, '');
  const session = event.session;
  if (session === undefined) return type;
  const parts = [type, session.arn, session.statusName || 'UNKNOWN'];
  if (session.statusReason !== '') parts.push(`reason ${session.statusReason}`);
  if (session.reconnectionWindowEndsAt !== undefined) {
    parts.push(`window ends ${session.reconnectionWindowEndsAt.toISOString()}`);
  }
  return parts.join('  ');
}

/** A status as the proto names it, with or without its STREAM_SESSION_STATUS_ prefix. */
function parseStatus(name: string): E.Either<string, StreamSessionStatus> {
  const status = streamSessionStatusFromJSON(`STREAM_SESSION_STATUS_${name.replace(/^STREAM_SESSION_STATUS_/, '')}`);
  return status === StreamSessionStatus.UNRECOGNIZED
    ? E.left(`--status ${name} is not a StreamSessionStatus`)
    : E.right(status);
}

async function watch(args: ReadonlyArray<string>): Promise<Outcome> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      group: { type: 'string' },
      status: { type: 'string', multiple: true, default: [] },
      address: { type: 'string', default: DEFAULT_ADDRESS },
    },
  });
  const statuses: StreamSessionStatus[] = [];
  for (const name of values.status ?? []) {
    const status = parseStatus(name);
    if (E.isLeft(status)) return E.left(`${status.left}\n${USAGE}`);
    statuses.push(status.right);
  }
  const client = new ReconnectClient(values.address ?? DEFAULT_ADDRESS);
  const interrupted = new AbortController();
  const interrupt = (): void => interrupted.abort();
  process.once('SIGINT', interrupt);
  const ended = await client.watchStreamSessions(
    { streamGroupIdentifier: values.group ?? '', statuses },
    (event) => process.stdout.write(`${describeWatchEvent(event)}\n`),
    { signal: interrupted.signal },
  )();
  process.removeListener('SIGINT', interrupt);
  client.close();
  const status = `${ended.codeName} (${ended.code}): ${ended.message}`;
  return interrupted.signal.aborted ? E.right(`stopped; ${status}`) : E.left(`the stream ended: ${status}`);
}

/** The game backend's side: it starts sessions with the AWS SDK, here pointed at the emulator. */
function emulatorAwsClient(endpoint: string): GameLiftStreamsClient {
  return new GameLiftStreamsClient({
    region: 'us-west-2',
    endpoint,
    credentials: EMULATOR_SDK_CREDENTIALS,
  });
}

async function startDemoSession(aws: GameLiftStreamsClient): Promise<{ readonly arn: string; readonly id: string }> {
  const started = await aws.send(
    new StartStreamSessionCommand({
      Identifier: DEMO_STREAM_GROUP_ID,
      ApplicationIdentifier: 'a-demo00001',
      Protocol: 'WebRTC',
      SignalRequest: 'NO_CLIENT_CONNECTION',
      ConnectionTimeoutSeconds: 600,
    }),
  );
  const arn = started.Arn ?? '';
  return { arn, id: arn.split('/').pop() ?? '' };
}

async function session(args: ReadonlyArray<string>): Promise<Outcome> {
  const { values } = parseArgs({
    args: [...args],
    options: { emulator: { type: 'string', default: DEFAULT_EMULATOR } },
  });
  const emulatorEndpoint = values.emulator ?? DEFAULT_EMULATOR;
  const aws = emulatorAwsClient(emulatorEndpoint);
  const control = new EmulatorControl(emulatorEndpoint);
  try {
    const started = await startDemoSession(aws);
    for (const action of ['connect', 'drop'] as const) {
      const changed = await control.setClient(DEMO_STREAM_GROUP_ID, started.id, action)();
      if (E.isLeft(changed)) {
        return E.left(`emulator refused to ${action} the client: ${changed.left.message}`);
      }
    }
    return E.right(started.id);
  } catch (error: unknown) {
    return E.left(
      `could not start a session on the emulator at ${emulatorEndpoint}: ${error instanceof Error ? error.message : String(error)} (is \`npm start\` running?)`,
    );
  } finally {
    aws.destroy();
  }
}

async function demo(args: ReadonlyArray<string>): Promise<Outcome> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      address: { type: 'string', default: DEFAULT_ADDRESS },
      emulator: { type: 'string', default: DEFAULT_EMULATOR },
    },
  });
  const emulatorEndpoint = values.emulator ?? DEFAULT_EMULATOR;
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const aws = emulatorAwsClient(emulatorEndpoint);
  const control = new EmulatorControl(emulatorEndpoint);
  const reconnectClient = new ReconnectClient(values.address ?? DEFAULT_ADDRESS);
  try {
    const started = await startDemoSession(aws);
    const sessionArn = started.arn;
    say(`1. StartStreamSession in ${DEMO_STREAM_GROUP_ID}: ${sessionArn}`);
    const sessionId = started.id;
    const status = async (): Promise<string> =>
      (
        await aws.send(
          new GetStreamSessionCommand({ Identifier: DEMO_STREAM_GROUP_ID, StreamSessionIdentifier: sessionId }),
        )
      ).Status ?? '?';
    say(`   status: ${await status()}`);
    for (const action of ['connect', 'drop'] as const) {
      const changed = await control.setClient(DEMO_STREAM_GROUP_ID, sessionId, action)();
      if (E.isLeft(changed)) {
        return E.left(`emulator refused to ${action} the client: ${changed.left.message}`);
      }
      say(`${action === 'connect' ? '2. the player connects' : '3. the player drops'}; status: ${await status()}`);
    }
    const answer = await reconnectClient.reconnectStreamSession({
      streamGroupIdentifier: DEMO_STREAM_GROUP_ID,
      streamSessionIdentifier: sessionArn,
      signalRequest: JSON.stringify({ type: 'offer', sdp: 'v=0 demo offer generated by the CLI' }),
      clientToken: undefined,
    })();
    if (E.isLeft(answer)) {
      return E.left(`4. ReconnectStreamSession failed: ${answer.left.codeName}: ${answer.left.message}`);
    }
    say(`4. ReconnectStreamSession through the service answered: ${answer.right.signalResponse}`);
    say(`   status: ${await status()}`);
    const reconnected = await control.setClient(DEMO_STREAM_GROUP_ID, sessionId, 'connect')();
    if (E.isLeft(reconnected)) {
      return E.left(`emulator refused to reconnect the client: ${reconnected.left.message}`);
    }
    return E.right(`5. the player's client connects with the answer; status: ${await status()}`);
  } catch (error: unknown) {
    return E.left(
      `the demo failed talking to the emulator at ${emulatorEndpoint}: ${error instanceof Error ? error.message : String(error)} (is \`npm start\` running?)`,
    );
  } finally {
    reconnectClient.close();
    aws.destroy();
  }
}

async function run(argv: ReadonlyArray<string>): Promise<Outcome> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'reconnect':
      return reconnect(rest);
    case 'demo':
      return demo(rest);
    case 'session':
      return session(rest);
    case 'watch':
      return watch(rest);
    default:
      return E.left(USAGE);
  }
}

run(process.argv.slice(2)).then(
  (outcome) => {
    if (E.isRight(outcome)) {
      process.stdout.write(`${outcome.right}\n`);
    } else {
      process.stderr.write(`${outcome.left}\n`);
      process.exitCode = 1;
    }
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
  },
);
