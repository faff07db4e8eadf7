import { dirname, resolve } from 'node:path';

import type { ReconnectStreamSessionRequest } from '../../src/gen/reconnect/v1/reconnect';
import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';
import { BENCH_REGION } from '../load/bench-sessions';
import { GrpcReconnectCaller } from '../load/grpc-reconnect-caller';
import { SERVICE_MAIN } from '../process/dist-paths';
import { freeLoopbackPort } from '../process/free-port';
import { NodeChild } from '../process/node-child';
import { productionNodeFlags } from '../../test/support/production-node-flags';
import { measureGrpcPhase } from './grpc-subject';
import type { MeasuredSubject } from './measured-phase';

export interface ServiceProcessSettings {
  /** Another build's dist/src/main.js, for a before/after in one run; this build's by default. */
  readonly main?: string;
  /** Measured as 'service (baseline)': another build (main) or other Node flags, beside this build's service. */
  readonly baseline?: boolean;
  /** The separate emulator process the service calls as if it were AWS. */
  readonly emulatorEndpoint: string;
  /** Keep-alive sockets to the emulator: the highest concurrency of the run, so no call queues for a socket. */
  readonly upstreamMaxSockets: number;
  /** Node flags, e.g. --cpu-prof for the profile run. */
  readonly nodeFlags?: ReadonlyArray<string>;
  /** Log level; info by default, as production runs: one access line per call, written to a pipe the driver reads. */
  readonly logLevel?: string;
  /** Extra environment (e.g. admission switched off for a comparison). */
  readonly env?: Readonly<Record<string, string>>;
  /** A memory cgroup's cgroup.procs file: the service runs inside it, as in a pod with a memory limit. */
  readonly cgroupProcsFile?: string;
}

export interface ServiceSubject extends MeasuredSubject {
  readonly caller: GrpcReconnectCaller;
  readonly port: number;
  /** What the service wrote (bounded), for diagnostics such as --trace-gc. */
  recentOutput(): string;
}

const STARTUP_TIMEOUT_MS = 20_000;

/** The checkout a build's dist/src/main.js belongs to. */
const checkoutOf = (main: string): string => resolve(dirname(main), '..', '..');
/** The grace the service gets to exit on SIGTERM (it writes a --cpu-prof profile on exit) before SIGKILL. */
const STOP_GRACE_MS = 10_000;

/**
 * The service as it runs in production (`node <the image's flags> dist/src/main.js`), with RECONNECT_BACKEND=aws and
 * the standard AWS endpoint variable pointing at the emulator process. Admission stays on, with a rate far above what
 * two cores can reach, so it shapes nothing but still does its per-call work.
 */
export async function startService(
  settings: ServiceProcessSettings,
  requestFor: (slot: number) => ReconnectStreamSessionRequest,
): Promise<ServiceSubject> {
  const port = await freeLoopbackPort();
  const script = settings.main ?? SERVICE_MAIN;
  const child = NodeChild.start({
    name: 'the service',
    script,
    // The node flags of the image built from the checkout whose build this is (a --baseline's own, when it is
    // another's), then the run's (a profile, or a baseline's flags, which may override them).
    nodeFlags: [...productionNodeFlags(checkoutOf(script)), ...(settings.nodeFlags ?? [])],
    cgroupProcsFile: settings.cgroupProcsFile,
    env: {
      RECONNECT_BACKEND: 'aws',
      AWS_REGION: BENCH_REGION,
      AWS_ENDPOINT_URL_GAMELIFTSTREAMS: settings.emulatorEndpoint,
      AWS_ACCESS_KEY_ID: EMULATOR_SDK_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_SDK_CREDENTIALS.secretAccessKey,
      // No shared config or credentials files of whoever runs the benchmark: the run must not depend on them.
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(port),
      RECONNECT_RATE_CREATE_STREAM_SESSION_CONNECTION: '10000',
      RECONNECT_RATE_GET_STREAM_SESSION: '10000',
      RECONNECT_UPSTREAM_BURST: '10000',
      RECONNECT_UPSTREAM_MAX_SOCKETS: String(settings.upstreamMaxSockets),
      RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '0',
      RECONNECT_SHUTDOWN_GRACE_MS: '2000',
      LOG_LEVEL: settings.logLevel ?? 'info',
      LOG_FORMAT: 'json',
      // Metrics stay on, as in production (their per-call cost is part of the service's), on a port of their own.
      METRICS_PORT: '0',
      ...settings.env,
    },
  });
  const caller = new GrpcReconnectCaller(port);
  try {
    await Promise.race([
      caller.waitForReady(STARTUP_TIMEOUT_MS),
      child.exited.then(() => {
        throw new Error(`the service exited before serving on 127.0.0.1:${port}; output:\n${child.recentOutput()}`);
      }),
    ]);
  } catch (error) {
    caller.close();
    await child.stop(2000);
    throw error;
  }
  const name = settings.baseline === true ? 'service (baseline)' : 'service';
  return {
    name,
    pid: child.pid,
    port,
    caller,
    recentOutput: () => child.recentOutput(),
    measure: (phase) => measureGrpcPhase(name, child.pid, caller, requestFor, phase),
    stop: async () => {
      caller.close();
      await child.stop(STOP_GRACE_MS);
    },
  };
}
