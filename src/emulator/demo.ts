import * as TE from 'fp-ts/TaskEither';
import type { EmulatorControl, EmulatorControlError } from './control-client';
import type { StreamGroupSummary } from './control-types';

/** The stream group a standalone or embedded emulator starts with, so demos work without any set-up call. */
export const DEMO_STREAM_GROUP_ID = 'sg-demo00001';

/** Idempotent: seeding an emulator that already has the group succeeds. */
export const seedDemo = (control: EmulatorControl): TE.TaskEither<EmulatorControlError, StreamGroupSummary> =>
  control.createStreamGroup({ id: DEMO_STREAM_GROUP_ID });

/** Seeds the demo stream group in each region, so a demo works whichever region its SDK client signs for. */
export const seedDemoInEveryRegion = (
  control: EmulatorControl,
  regions: ReadonlyArray<string>,
): TE.TaskEither<EmulatorControlError, ReadonlyArray<StreamGroupSummary>> =>
  TE.traverseSeqArray((region: string) => seedDemo(control.forRegion(region)))(regions);
