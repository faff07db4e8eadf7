import * as E from 'fp-ts/Either';
import pino from 'pino';
import { EmulatorControl } from './control-client';
import { DEMO_STREAM_GROUP_ID, seedDemoInEveryRegion } from './demo';
import { type RunningEmulator, startEmulator } from './server';
import { standaloneOptions } from './standalone-config';

/** Runs the emulator as its own process (`npm run emulator`), logging JSON lines to stdout. */
const logger = pino({ base: { service: 'gameliftstreams-emulator' } });

const stopOnSignals = (emulator: RunningEmulator): void => {
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    logger.info({ signal }, 'stopping the emulator');
    emulator.close().then(
      () => logger.info({}, 'emulator stopped'),
      (defect: unknown) => {
        logger.error(
          { errorName: defect instanceof Error ? defect.name : typeof defect },
          'emulator did not stop cleanly',
        );
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
};

const run = async (): Promise<number> => {
  const options = standaloneOptions(process.env);
  if (E.isLeft(options)) {
    logger.error({ problem: options.left }, 'invalid emulator environment');
    return 1;
  }
  const started = await startEmulator({ ...options.right, logger })();
  if (E.isLeft(started)) {
    logger.error({ problem: started.left.message }, 'the emulator could not start');
    return 1;
  }
  const emulator = started.right;
  stopOnSignals(emulator);
  const seeded = await seedDemoInEveryRegion(new EmulatorControl(emulator.endpoint), emulator.regions)();
  if (E.isLeft(seeded)) {
    logger.error({ problem: seeded.left.message }, 'could not create the demo stream group');
    await emulator.close();
    return 1;
  }
  logger.info(
    {
      endpoint: emulator.endpoint,
      region: emulator.region,
      regions: emulator.regions,
      accountId: emulator.accountId,
      demoStreamGroup: { id: DEMO_STREAM_GROUP_ID, arns: seeded.right.map((group) => group.arn) },
      control: `${emulator.endpoint}/_emulator/`,
    },
    `GameLift Streams emulator listening on ${emulator.endpoint}`,
  );
  return 0;
};

run().then(
  (code) => {
    process.exitCode = code;
  },
  (defect: unknown) => {
    logger.error({ errorName: defect instanceof Error ? defect.name : typeof defect }, 'emulator defect at start-up');
    process.exitCode = 1;
  },
);
