import { decoderOf, PhaseResult, Ready, type FloorBSettings } from '../children/floor-b-protocol';
import { FLOOR_B_CALLER } from '../process/dist-paths';
import { NodeChild } from '../process/node-child';
import { cpuMicrosPerRequest, type MeasuredSubject } from './measured-phase';

const STARTUP_TIMEOUT_MS = 15_000;
/** A phase answers after its warm-up and measured loop; this margin covers the calls still in flight at the end. */
const ANSWER_MARGIN_MS = 30_000;

/** Floor B in its own process: it loads the emulator itself and reports its own latency, CPU and RSS. */
export async function startFloorB(settings: FloorBSettings): Promise<MeasuredSubject> {
  const child = NodeChild.start({
    name: 'floor B',
    script: FLOOR_B_CALLER,
    args: [JSON.stringify(settings)],
    ipc: true,
  });
  await child.nextMessage(decoderOf(Ready), STARTUP_TIMEOUT_MS);
  return {
    name: 'floor B',
    pid: child.pid,
    measure: async (phase) => {
      child.send({ kind: 'run', ...phase });
      const result = await child.nextMessage(
        decoderOf(PhaseResult),
        phase.warmupMs + phase.measureMs + ANSWER_MARGIN_MS,
      );
      const { kind: _kind, ...measured } = result;
      return {
        subject: 'floor B',
        ...measured,
        cpuMicrosPerRequest: cpuMicrosPerRequest(result.cpuMs, result.completed),
      };
    },
    stop: () => child.stop(2000),
  };
}
