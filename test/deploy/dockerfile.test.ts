import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { dockerignoreMatcher, parseDockerfile, REPOSITORY_ROOT } from './dockerfile';
import { dockerfileProblems, node24Version, startScriptOf } from './dockerfile-checks';

const DOCKERFILE = readFileSync(path.join(REPOSITORY_ROOT, 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(path.join(REPOSITORY_ROOT, '.dockerignore'), 'utf8');
const START_SCRIPT = startScriptOf(readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8'));
const CONTEXT = {
  node24Version: node24Version(REPOSITORY_ROOT),
  dockerignore: DOCKERIGNORE,
  startScript: START_SCRIPT,
};

/** The checks' findings on the Dockerfile with one passage replaced (which must be there). */
function problemsWith(from: string, to: string, dockerignore: string = DOCKERIGNORE): ReadonlyArray<string> {
  assert.ok(DOCKERFILE.includes(from), `the Dockerfile contains ${from}`);
  return dockerfileProblems(parseDockerfile(DOCKERFILE.replace(from, to)), { ...CONTEXT, dockerignore });
}

/** Exactly these problems, in this order: a broken copy must be told apart from the rest, not merely fail. */
function assertProblems(problems: ReadonlyArray<string>, ...patterns: ReadonlyArray<RegExp>): void {
  assert.equal(problems.length, patterns.length, problems.join('\n'));
  patterns.forEach((pattern, index) => assert.match(problems[index] ?? '', pattern));
}

describe('the Dockerfile (not built here: no Docker engine; checked, and run by test:production-install)', () => {
  it('has nothing a reviewer would object to', () => {
    assert.deepEqual(dockerfileProblems(parseDockerfile(DOCKERFILE), CONTEXT), []);
  });

  it('builds on the Node 24 CI tests, and runs on distroless Node 24 as 65532', () => {
    const stages = parseDockerfile(DOCKERFILE);
    assert.deepEqual(
      stages.map((stage) => stage.image),
      [
        `node:${CONTEXT.node24Version}-bookworm-slim`,
        `node:${CONTEXT.node24Version}-bookworm-slim`,
        'gcr.io/distroless/nodejs24-debian12:nonroot',
      ],
    );
    assert.ok(
      stages[stages.length - 1]?.instructions.some((step) => step.kind === 'USER' && step.user === '65532:65532'),
    );
  });

  describe('finds the faults of deliberately broken copies', () => {
    it('a build stage on another Node', () =>
      assertProblems(
        problemsWith('FROM node:24.22.3-bookworm-slim AS build', 'FROM node:22-bookworm-slim AS build'),
        /stage build builds on node:22/,
      ));
    it('all dependencies in the image', () =>
      assertProblems(
        problemsWith('RUN npm ci --omit=dev --ignore-scripts', 'RUN npm ci --ignore-scripts'),
        /node_modules comes from stage production-dependencies, which does not install with npm ci --omit=dev/,
      ));
    it('node_modules from the build stage', () =>
      assertProblems(
        problemsWith('COPY --from=production-dependencies /app/node_modules', 'COPY --from=build /app/node_modules'),
        /node_modules comes from stage build/,
      ));
    it('the whole build output, tests included', () =>
      assertProblems(
        problemsWith('COPY --from=build /app/dist/src ./dist/src', 'COPY --from=build /app/dist ./dist'),
        /takes dist from the build: only dist\/src and dist\/descriptor-set.binpb run/,
        /the image lacks dist\/src/,
      ));
    it('root, or a user by name', () => {
      assertProblems(problemsWith('USER 65532:65532', 'USER 0:0'), /runs as 0:0: root/);
      assertProblems(problemsWith('USER 65532:65532', 'USER nonroot'), /not a numeric uid:gid/);
    });
    it('the emulator as the backend', () =>
      assertProblems(
        problemsWith('RECONNECT_BACKEND=aws', 'RECONNECT_BACKEND=emulator'),
        /does not set RECONNECT_BACKEND=aws/,
        /refused: .*the embedded emulator's answers are made up/s,
      ));
    it('a misspelt setting', () =>
      assertProblems(
        problemsWith('LOG_FORMAT=json', 'LOG_FORMAT=json LOGFORMAT=json'),
        /ENV LOGFORMAT is not a variable/,
      ));
    it('a port left unexposed', () =>
      assertProblems(problemsWith('EXPOSE 50051 8081 9464', 'EXPOSE 50051 9464'), /EXPOSE 9464 50051 does not match/));
    it('an image that runs node otherwise than `npm start` does, with other flags, or runs something else', () => {
      assertProblems(
        problemsWith('"--max-semi-space-size=16", ', ''),
        /npm start runs ".*node --max-semi-space-size=16 dist\/src\/main.js", not the image's "node dist\/src\/main.js"/,
      );
      assertProblems(
        problemsWith('"dist/src/main.js"]', '"dist/src/emulator/main.js"]'),
        /ENTRYPOINT .* is not \["\/nodejs\/bin\/node", heap sizing flags\.\.\., "dist\/src\/main.js"\]/,
      );
      assertProblems(
        problemsWith('"--max-semi-space-size=16", ', '"--max-semi-space-size=16", "--inspect=0.0.0.0:9229", '),
        /ENTRYPOINT .* is not \["\/nodejs\/bin\/node", heap sizing flags/,
        /npm start runs/,
      );
    });
    it('a shell step in the image', () =>
      assertProblems(
        problemsWith('USER 65532:65532', 'RUN rm -rf /tmp\nUSER 65532:65532'),
        /the last stage runs a command/,
      ));
    it('a .dockerignore that lets node_modules in, or leaves proto out', () => {
      assertProblems(
        problemsWith('', '', DOCKERIGNORE.replace('*\n', 'dist/\nsrc/gen/\n.node24/\n.git/\ngen/\nbench/results/\n')),
        /lets node_modules into the build context/,
      );
      assertProblems(
        problemsWith('', '', DOCKERIGNORE.replace('!proto/\n', '')),
        /copies proto, which .dockerignore leaves out/,
      );
    });
    it('an instruction the checks cannot follow', () =>
      assert.throws(
        () => parseDockerfile(DOCKERFILE.replace('USER 65532:65532', 'HEALTHCHECK CMD true\nUSER 65532:65532')),
        /HEALTHCHECK is not understood/,
      ));
  });

  it('reads .dockerignore as Docker does: the last matching pattern decides, directories cover their contents', () => {
    const ignored = dockerignoreMatcher('*\n!src/\nsrc/gen/\n!package.json\n');
    assert.equal(ignored('src/app.ts'), false);
    assert.equal(ignored('src/gen/reconnect/v1/reconnect.ts'), true);
    assert.equal(ignored('package.json'), false);
    assert.equal(ignored('node_modules/pino/package.json'), true);
    assert.equal(ignored('docs/deploy.md'), true);
  });
});
