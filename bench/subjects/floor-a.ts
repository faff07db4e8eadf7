import * as t from 'io-ts';

import type { ReconnectStreamSessionRequest } from '../../src/gen/reconnect/v1/reconnect';
import { decoderOf } from '../children/floor-b-protocol';
import { GrpcReconnectCaller } from '../load/grpc-reconnect-caller';
import { FLOOR_A_SERVER } from '../process/dist-paths';
import { NodeChild } from '../process/node-child';
import { measureGrpcPhase } from './grpc-subject';
import type { MeasuredSubject } from './measured-phase';

const Ready = t.type({ kind: t.literal('ready'), port: t.number });
const STARTUP_TIMEOUT_MS = 15_000;

/** Floor A in its own process, loaded over gRPC with the same requests as the service. */
export async function startFloorA(requestFor: (slot: number) => ReconnectStreamSessionRequest): Promise<MeasuredSubject> {
  const child = NodeChild.start({ name: 'floor A', script: FLOOR_A_SERVER, ipc: true });
  const { port } = await child.nextMessage(decoderOf(Ready), STARTUP_TIMEOUT_MS);
  const caller = new GrpcReconnectCaller(port);
  await caller.waitForReady(STARTUP_TIMEOUT_MS);
  return {
    name: 'floor A',
    pid: child.pid,
    measure: (phase) => measureGrpcPhase('floor A', child.pid, caller, requestFor, phase),
    stop: async () => {
      caller.close();
      await child.stop(2000);
    },
  };
}
