import * as t from 'io-ts';

import type { ReconnectStreamSessionRequest } from '../../src/gen/reconnect/v1/reconnect';
import { decoderOf, type FloorHttpHandler } from '../children/floor-b-protocol';
import { GrpcReconnectCaller } from '../load/grpc-reconnect-caller';
import { COMPOSED_FLOOR_SERVER, FLOOR_A_SERVER } from '../process/dist-paths';
import { NodeChild } from '../process/node-child';
import { measureGrpcPhase } from './grpc-subject';
import type { MeasuredSubject, SubjectName } from './measured-phase';

const Ready = t.type({ kind: t.literal('ready'), port: t.number });
const STARTUP_TIMEOUT_MS = 15_000;

/** How a floor's process is started: node flags (a profile), a memory cgroup (a pod's limit). */
export interface FloorLaunch {
  readonly nodeFlags?: ReadonlyArray<string>;
  readonly cgroupProcsFile?: string;
}

/** A floor that is a gRPC server in its own process, loaded over gRPC with the same requests as the service. */
async function startFloorServer(
  name: SubjectName,
  script: string,
  args: ReadonlyArray<string>,
  requestFor: (slot: number) => ReconnectStreamSessionRequest,
  launch: FloorLaunch = {},
): Promise<MeasuredSubject> {
  const child = NodeChild.start({ name, script, args, ipc: true, ...launch });
  // A floor that never gets ready is stopped here: nothing else holds it (in the pod scenario, its cgroup).
  const ready = await child.nextMessage(decoderOf(Ready), STARTUP_TIMEOUT_MS).catch(async (error: unknown) => {
    await child.stop(2000);
    throw error;
  });
  const caller = new GrpcReconnectCaller(ready.port);
  try {
    await caller.waitForReady(STARTUP_TIMEOUT_MS);
  } catch (error) {
    caller.close();
    await child.stop(2000);
    throw error;
  }
  return {
    name,
    pid: child.pid,
    measure: (phase) => measureGrpcPhase(name, child.pid, caller, requestFor, phase),
    stop: async () => {
      caller.close();
      await child.stop(2000);
    },
  };
}

/** Floor A: the bare grpc-js server with a fixed answer. */
export const startFloorA = (requestFor: (slot: number) => ReconnectStreamSessionRequest): Promise<MeasuredSubject> =>
  startFloorServer('floor A', FLOOR_A_SERVER, [], requestFor);

/** The composed floor: the bare grpc-js server making the bare SDK call against the emulator. */
export const startComposedFloor = (
  settings: { readonly endpoint: string; readonly maxSockets: number; readonly httpHandler: FloorHttpHandler },
  requestFor: (slot: number) => ReconnectStreamSessionRequest,
  launch: FloorLaunch = {},
): Promise<MeasuredSubject> =>
  startFloorServer('composed floor', COMPOSED_FLOOR_SERVER, [JSON.stringify(settings)], requestFor, launch);
