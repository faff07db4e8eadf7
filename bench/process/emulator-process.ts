import { EmulatorControl } from '../../src/emulator/control-client';
import { EMULATOR_MAIN } from './dist-paths';
import { NodeChild } from './node-child';

export interface EmulatorProcess {
  readonly endpoint: string;
  readonly control: EmulatorControl;
  readonly child: NodeChild;
}

const STARTUP_TIMEOUT_MS = 15_000;

/** The endpoint from the standalone emulator's "listening" log line (pino JSON). */
function endpointOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'endpoint' in parsed && typeof parsed.endpoint === 'string') {
      return parsed.endpoint;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * The GameLift Streams emulator in its own process (`npm run emulator`'s entry point), on an ephemeral loopback
 * port: its CPU is then not counted in the service's, nor in the floor B caller's.
 */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = NodeChild.start({
    name: 'the emulator',
    script: EMULATOR_MAIN,
    env: { EMULATOR_HOST: '127.0.0.1', EMULATOR_PORT: '0', EMULATOR_LOG_REQUESTS: 'false' },
  });
  try {
    const endpoint = await child.firstLine(endpointOf, STARTUP_TIMEOUT_MS);
    if (!endpoint.startsWith('http://127.0.0.1:')) throw new Error(`the emulator is not on loopback: ${endpoint}`);
    return { endpoint, control: new EmulatorControl(endpoint), child };
  } catch (error) {
    await child.stop(2000);
    throw error;
  }
}
