import { spawn } from 'node:child_process';
import { chmod, copyFile, cp, lstat, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';

import {
  dockerignoreMatcher,
  stageEntrypoint,
  stageEnvironment,
  stageWorkdir,
  type Instruction,
  type Stage,
} from './dockerfile';

/**
 * Builds what the Dockerfile's last stage holds, without Docker: each stage gets a folder standing for its root file
 * system; its COPY instructions copy from the build context (this checkout, less what .dockerignore leaves out) or
 * from an earlier stage's folder, and its RUN instructions run for real, with `sh -c`, in its WORKDIR, with Node 24
 * first on PATH standing for the base image's Node. So the image's build stage really builds from the files the
 * Dockerfile gives it, and its dependency stage really runs `npm ci --omit=dev`, in clean folders. What this cannot
 * stand in for is the base images' own files: the last stage gets Node 24 at the path its base image keeps it.
 */

export interface AssembledImage {
  /** The folder standing for the image's root file system. */
  readonly root: string;
  /** The WORKDIR of the last stage, inside `root`: where its ENTRYPOINT runs. */
  readonly workdir: string;
  readonly environment: Readonly<Record<string, string>>;
  /** `uid:gid`, as USER names it. */
  readonly user: string;
  /** The ENTRYPOINT with its first element (the base image's Node) made a path inside `root`. */
  readonly argv: ReadonlyArray<string>;
}

export interface AssemblyOptions {
  /** The build context: the checkout. */
  readonly context: string;
  /** Where the stages' folders go. */
  readonly work: string;
  /** The Node 24 executable that stands for the base images' Node. */
  readonly node: string;
  /** Where each RUN's output goes, to show when one fails. */
  readonly log: (line: string) => void;
}

/** The longest one RUN may take (a cold npm cache downloads every dependency). */
const RUN_TIMEOUT_MS = 15 * 60_000;

/** Where a base image keeps node. */
const NODE_IN_IMAGE = (image: string): string =>
  image.startsWith('gcr.io/distroless/') ? '/nodejs/bin/node' : '/usr/local/bin/node';

const inside = (root: string, absolute: string): string => path.join(root, path.posix.resolve('/', absolute));

async function isDirectory(file: string): Promise<boolean> {
  return (await stat(file)).isDirectory();
}

/** Copies `source` (a file, or a directory's contents) to `target`, keeping out what `excluded` names. */
async function copyInto(
  source: string,
  target: string,
  excluded: (relative: string) => boolean,
  relative: string,
): Promise<void> {
  if (excluded(relative)) return;
  const info = await lstat(source);
  if (info.isDirectory()) {
    await mkdir(target, { recursive: true });
    for (const entry of await readdir(source)) {
      await copyInto(path.join(source, entry), path.join(target, entry), excluded, path.posix.join(relative, entry));
    }
    return;
  }
  await mkdir(path.dirname(target), { recursive: true });
  await cp(source, target, { verbatimSymlinks: true, preserveTimestamps: false });
}

function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = `${output}${chunk.toString('utf8')}`.slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve();
        return;
      }
      log(output);
      reject(new Error(`RUN ${command} failed (${code === null ? `signal ${String(signal)}` : `exit ${code}`})`));
    });
  });
}

interface StageFolder {
  readonly stage: Stage;
  readonly root: string;
}

async function materialize(
  stage: Stage,
  index: number,
  earlier: ReadonlyMap<string, StageFolder>,
  options: AssemblyOptions,
  excluded: (relative: string) => boolean,
): Promise<StageFolder> {
  const root = path.join(options.work, `stage-${index}-${stage.name ?? 'image'}`);
  await mkdir(root, { recursive: true });
  let cwd = '/';
  const environment: Record<string, string> = {};
  const nodeBin = path.dirname(options.node);
  const apply = async (step: Instruction): Promise<void> => {
    switch (step.kind) {
      case 'WORKDIR':
        cwd = path.posix.resolve(cwd, step.path);
        await mkdir(inside(root, cwd), { recursive: true });
        return;
      case 'ENV':
        for (const [name, value] of step.variables) environment[name] = value;
        return;
      case 'COPY': {
        const from = step.from === undefined ? undefined : earlier.get(step.from);
        if (step.from !== undefined && from === undefined) throw new Error(`COPY --from=${step.from}: no such stage`);
        const destination = path.posix.resolve(cwd, step.destination);
        const intoDirectory = step.destination.endsWith('/') || step.sources.length > 1;
        for (const item of step.sources) {
          const source =
            from === undefined ? path.join(options.context, item) : inside(from.root, path.posix.resolve('/', item));
          const target = inside(root, destination);
          const directory = await isDirectory(source);
          const landing = !directory && intoDirectory ? path.join(target, path.basename(item)) : target;
          // Only the build context is filtered by .dockerignore; a stage's files are copied as they are.
          const filter = from === undefined ? excluded : () => false;
          await copyInto(source, landing, filter, from === undefined ? path.posix.normalize(item) : '');
        }
        return;
      }
      case 'RUN':
        options.log(`  RUN ${step.command}`);
        await runShell(
          step.command,
          inside(root, cwd),
          { ...process.env, ...environment, PATH: `${nodeBin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
          options.log,
        );
        return;
      case 'USER':
      case 'EXPOSE':
      case 'ENTRYPOINT':
        return;
    }
  };
  options.log(`stage ${stage.name ?? '(image)'} (${stage.image})`);
  for (const step of stage.instructions) await apply(step);
  return { stage, root };
}

/** Assembles the Dockerfile's stages in order; the last one is the image. */
export async function assembleImage(stages: ReadonlyArray<Stage>, options: AssemblyOptions): Promise<AssembledImage> {
  const excluded = dockerignoreMatcher(await readFile(path.join(options.context, '.dockerignore'), 'utf8'));
  const named = new Map<string, StageFolder>();
  let last: StageFolder | undefined;
  for (const [index, stage] of stages.entries()) {
    last = await materialize(stage, index, named, options, excluded);
    if (stage.name !== undefined) named.set(stage.name, last);
  }
  if (last === undefined) throw new Error('the Dockerfile has no stage');
  const image = last.stage;
  // The base image's Node, where it keeps it: the only file of the base image the service runs.
  const node = inside(last.root, NODE_IN_IMAGE(image.image));
  await mkdir(path.dirname(node), { recursive: true });
  await copyFile(options.node, node);
  await chmod(node, 0o755);
  const users = image.instructions.flatMap((step) => (step.kind === 'USER' ? [step.user] : []));
  const [program = '', ...args] = stageEntrypoint(image);
  if (program !== NODE_IN_IMAGE(image.image) && program !== 'node') {
    throw new Error(`the ENTRYPOINT runs ${program}, not the base image's node`);
  }
  return {
    root: last.root,
    workdir: inside(last.root, stageWorkdir(image)),
    environment: stageEnvironment(image),
    user: users[users.length - 1] ?? '0:0',
    argv: [node, ...args],
  };
}
