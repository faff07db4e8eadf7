import { readDockerfile, REPOSITORY_ROOT, stageEntrypoint } from '../deploy/dockerfile';

/**
 * The flags the image's ENTRYPOINT gives node before the service's script (the Dockerfile is where production's
 * runtime is stated; `npm start` is checked against it) in the checkout at `root`. Tests and the benchmark that run
 * `node dist/src/main.js` as production does start it with these.
 */
export function productionNodeFlags(root: string = REPOSITORY_ROOT): ReadonlyArray<string> {
  const stages = readDockerfile(root);
  const runtime = stages[stages.length - 1];
  const [, ...args] = runtime === undefined ? [] : stageEntrypoint(runtime);
  const script = args.indexOf('dist/src/main.js');
  if (script < 0) throw new Error("the Dockerfile's ENTRYPOINT does not run dist/src/main.js");
  return args.slice(0, script);
}
