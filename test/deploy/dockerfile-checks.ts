import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import * as E from 'fp-ts/Either';

import { loadConfig } from '../../src/config';
import {
  dockerignoreMatcher,
  stageEntrypoint,
  stageEnvironment,
  stageWorkdir,
  type Instruction,
  type Stage,
} from './dockerfile';
import { isKnownVariable } from './environment';

/** What the Dockerfile is checked against, besides itself. */
export interface DockerfileContext {
  /** The Node 24 version CI tests on (scripts/node24.sh): the build stages use the same. */
  readonly node24Version: string;
  /** The .dockerignore's text. */
  readonly dockerignore: string;
  /** package.json's `start` script: it must run the service as the image does, with the same node flags. */
  readonly startScript: string;
}

/** The Node 24 version scripts/node24.sh installs. */
export function node24Version(root: string): string {
  const script = readFileSync(path.join(root, 'scripts', 'node24.sh'), 'utf8');
  const version = /^NODE24_VERSION=(\S+)$/m.exec(script)?.[1];
  if (version === undefined) throw new Error('scripts/node24.sh sets no NODE24_VERSION');
  return version;
}

/** The `start` script of a package.json's text. */
export function startScriptOf(packageJson: string): string {
  const parsed: unknown = JSON.parse(packageJson);
  const scripts = typeof parsed === 'object' && parsed !== null && 'scripts' in parsed ? parsed.scripts : undefined;
  const start = typeof scripts === 'object' && scripts !== null && 'start' in scripts ? scripts.start : undefined;
  if (typeof start !== 'string') throw new Error('package.json has no start script');
  return start;
}

/** The final stage's base images: distroless Node 24 (optionally pinned by digest), or a Node 24 slim image. */
const RUNTIME_IMAGE =
  /^(gcr\.io\/distroless\/nodejs24-debian\d+:nonroot(@sha256:[0-9a-f]{64})?|node:24(\.\d+){0,2}-\w+-slim)$/;

/**
 * The only node flags the image may run with: Node's documented heap sizes. Anything else (an inspector port, a
 * preloaded module, code to evaluate) would change what runs in production behind the checks' back.
 */
const HEAP_SIZING_FLAG = /^--max-(semi|old)-space-size=\d+$/;

/** Where each runtime image keeps node, which an ENTRYPOINT must name. */
const nodeOf = (image: string): string => (image.startsWith('gcr.io/distroless/') ? '/nodejs/bin/node' : 'node');

/** What the image must never carry, however the context is changed: local installs, builds, secrets of a checkout. */
const NEVER_IN_CONTEXT = ['node_modules', 'dist', 'src/gen', '.node24', '.git', 'gen', 'bench/results'];

/** The build outputs the service runs from: the compiled service and the descriptor set reflection serves. */
const RUNTIME_BUILD_OUTPUTS = ['dist/src', 'dist/descriptor-set.binpb'];

const isRun = (step: Instruction): step is Extract<Instruction, { kind: 'RUN' }> => step.kind === 'RUN';
const isCopy = (step: Instruction): step is Extract<Instruction, { kind: 'COPY' }> => step.kind === 'COPY';

function runs(stage: Stage, pattern: RegExp): boolean {
  return stage.instructions.filter(isRun).some((step) => pattern.test(step.command));
}

/** Every problem a reviewer would raise with the Dockerfile; an empty list when there is none. */
export function dockerfileProblems(stages: ReadonlyArray<Stage>, context: DockerfileContext): ReadonlyArray<string> {
  const problems: string[] = [];
  const runtime = stages[stages.length - 1];
  if (runtime === undefined) return ['the Dockerfile has no stage'];
  const earlier = stages.slice(0, -1);
  if (earlier.length === 0) problems.push('the image is built in one stage: the build tools would ship with it');
  const byName = new Map(earlier.flatMap((stage) => (stage.name === undefined ? [] : [[stage.name, stage] as const])));

  for (const stage of earlier) {
    const expected = new RegExp(`^node:${context.node24Version.replace(/\./g, '\\.')}-\\w+-slim$`);
    if (!expected.test(stage.image)) {
      problems.push(
        `stage ${stage.name ?? '(unnamed)'} builds on ${stage.image}, not node:${context.node24Version}-<debian>-slim (the Node 24 CI tests)`,
      );
    }
  }
  if (!RUNTIME_IMAGE.test(runtime.image)) {
    problems.push(`the image runs on ${runtime.image}, not a Node 24 slim or distroless image`);
  }

  // Nothing the build needs at run time: no shell step, only chosen files of the earlier stages.
  if (runtime.instructions.some(isRun)) problems.push('the last stage runs a command: it has no shell, and needs none');
  const runtimeDir = stageWorkdir(runtime);
  const copied: string[] = [];
  for (const step of runtime.instructions.filter(isCopy)) {
    const source = step.from === undefined ? undefined : byName.get(step.from);
    if (source === undefined) {
      problems.push(
        `the last stage copies ${step.sources.join(' ')} from ${step.from ?? 'the build context'}, not from an earlier stage`,
      );
      continue;
    }
    const sourceDir = stageWorkdir(source);
    for (const item of step.sources) {
      const relative = path.posix.relative(sourceDir, path.posix.resolve(sourceDir, item));
      const landsAt = path.posix.resolve(
        runtimeDir,
        step.destination.endsWith('/')
          ? path.posix.join(step.destination, path.posix.basename(item))
          : step.destination,
      );
      copied.push(path.posix.relative(runtimeDir, landsAt));
      if (relative === 'node_modules' || relative.startsWith('node_modules/')) {
        if (!runs(source, /\bnpm ci\b.*--omit=dev\b/)) {
          problems.push(
            `node_modules comes from stage ${step.from ?? ''}, which does not install with npm ci --omit=dev`,
          );
        }
      } else if (relative.startsWith('dist')) {
        if (!RUNTIME_BUILD_OUTPUTS.some((output) => relative === output || relative.startsWith(`${output}/`))) {
          problems.push(`the image takes ${relative} from the build: only ${RUNTIME_BUILD_OUTPUTS.join(' and ')} run`);
        }
        if (!runs(source, /\bnpm run build\b/))
          problems.push(`${relative} comes from stage ${step.from ?? ''}, which does not build`);
      } else if (relative !== 'package.json') {
        problems.push(
          `the image takes ${relative} from stage ${step.from ?? ''}: neither a production dependency nor a build output`,
        );
      }
    }
  }
  for (const needed of ['node_modules', ...RUNTIME_BUILD_OUTPUTS]) {
    if (!copied.includes(needed)) problems.push(`the image lacks ${needed}`);
  }

  const users = runtime.instructions.flatMap((step) => (step.kind === 'USER' ? [step.user] : []));
  const user = users[users.length - 1];
  const uid = user === undefined ? undefined : /^(\d+)(?::(\d+))?$/.exec(user);
  if (uid === undefined || uid === null) {
    problems.push(
      `the image runs as ${user ?? 'the base image user'}, not a numeric uid:gid (runAsNonRoot cannot check a name)`,
    );
  } else if (uid[1] === '0' || uid[2] === '0') {
    problems.push(`the image runs as ${user ?? ''}: root`);
  }

  const environment = stageEnvironment(runtime);
  for (const name of Object.keys(environment)) {
    if (!isKnownVariable(name))
      problems.push(`ENV ${name} is not a variable the service, the AWS SDK or OpenTelemetry reads`);
  }
  if (environment.RECONNECT_BACKEND !== 'aws') problems.push('the image does not set RECONNECT_BACKEND=aws');
  // With its TLS files and callers, as a deployment gives them, the image's settings must be a valid configuration.
  const deployed = loadConfig({
    ...environment,
    AWS_REGION: 'us-west-2',
    GRPC_TLS_CERT_FILE: '/etc/reconnect/tls/tls.crt',
    GRPC_TLS_KEY_FILE: '/etc/reconnect/tls/tls.key',
    RECONNECT_CALLERS_FILE: '/etc/reconnect/callers/callers.json',
  });
  if (E.isLeft(deployed)) {
    problems.push(`the image's ENV, with TLS, callers and a region, is refused: ${deployed.left}`);
  } else {
    const config = deployed.right;
    const ports = [config.grpcPort, config.healthPort, config.metrics.port].filter((port) => port !== undefined);
    const exposed = runtime.instructions.flatMap((step) => (step.kind === 'EXPOSE' ? step.ports : []));
    const show = (list: ReadonlyArray<number>): string => [...list].sort((a, b) => a - b).join(' ');
    if (show(exposed) !== show(ports)) {
      problems.push(
        `EXPOSE ${show(exposed)} does not match the ports the image serves (gRPC, health, metrics): ${show(ports)}`,
      );
    }
  }

  const entrypoint = stageEntrypoint(runtime);
  const [program, ...args] = entrypoint;
  const nodeFlags = args.slice(0, -1);
  if (
    program !== nodeOf(runtime.image) ||
    args[args.length - 1] !== 'dist/src/main.js' ||
    nodeFlags.some((flag) => !HEAP_SIZING_FLAG.test(flag))
  ) {
    problems.push(
      `ENTRYPOINT ${JSON.stringify(entrypoint)} is not ["${nodeOf(runtime.image)}", heap sizing flags..., "dist/src/main.js"]`,
    );
  }
  const imageCommand = ['node', ...nodeFlags, 'dist/src/main.js'].join(' ');
  const start = context.startScript;
  if (start !== imageCommand && !start.endsWith(`&& ${imageCommand}`)) {
    problems.push(`npm start runs "${context.startScript}", not the image's "${imageCommand}"`);
  }

  const ignored = dockerignoreMatcher(context.dockerignore);
  for (const stage of earlier) {
    for (const step of stage.instructions.filter(isCopy)) {
      if (step.from !== undefined) continue;
      for (const item of step.sources)
        if (ignored(item)) problems.push(`stage ${stage.name ?? ''} copies ${item}, which .dockerignore leaves out`);
    }
  }
  for (const local of NEVER_IN_CONTEXT) {
    if (!ignored(local)) problems.push(`.dockerignore lets ${local} into the build context`);
  }
  return problems;
}
