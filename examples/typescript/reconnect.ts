// Reconnects a dropped stream session through the service, from TypeScript.
// Run against `npm start`:  npm run example:typescript -- $(npm run -s cli -- session)
import * as E from 'fp-ts/Either';

import { ReconnectClient } from '../../src/client/reconnect-client';

async function main(sessionId: string): Promise<number> {
  const client = new ReconnectClient(process.env.RECONNECT_ADDRESS ?? '127.0.0.1:50051');
  const outcome = await client.reconnectStreamSession({
    streamGroupIdentifier: 'sg-demo00001',
    streamSessionIdentifier: sessionId,
    signalRequest: '{"type":"offer","sdp":"v=0 fresh offer from the TypeScript example"}',
  })();
  client.close();
  if (E.isRight(outcome)) {
    console.log(`signal response: ${outcome.right.signalResponse}`);
    return 0;
  }
  console.log(`${outcome.left.codeName}: ${outcome.left.message}`);
  console.log(`reason: ${outcome.left.details.errorInfo?.reason ?? '(none)'}`);
  return 1;
}

void main(process.argv[2] ?? 'NoSuchSession1').then((code) => {
  process.exitCode = code;
});
