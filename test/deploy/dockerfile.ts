import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The Dockerfile as the deploy checks and the production-install test read it: stages and the few instructions the
 * image uses. Anything else is refused, so that a change to the Dockerfile these cannot follow fails loudly instead
 * of being skipped by the test that stands in for building it.
 */

export type Instruction =
  | { readonly kind: 'WORKDIR'; readonly path: string }
  | {
      readonly kind: 'COPY';
      readonly from: string | undefined;
      readonly sources: ReadonlyArray<string>;
      readonly destination: string;
    }
  | { readonly kind: 'RUN'; readonly command: string }
  | { readonly kind: 'ENV'; readonly variables: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: 'USER'; readonly user: string }
  | { readonly kind: 'EXPOSE'; readonly ports: ReadonlyArray<number> }
  | { readonly kind: 'ENTRYPOINT'; readonly argv: ReadonlyArray<string> };

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: ReadonlyArray<Instruction>;
}

/** The repository root, from dist/test/deploy/ where this file is compiled to. */
export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Logical lines: comments dropped, backslash continuations joined. */
function logicalLines(text: string): ReadonlyArray<string> {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    lines.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending !== '') lines.push(pending.trim());
  return lines;
}

function words(text: string): ReadonlyArray<string> {
  return text.split(/\s+/).filter((word) => word !== '');
}

function execForm(text: string, line: string): ReadonlyArray<string> {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((item): item is string => typeof item === 'string')) {
    throw new Error(`only the exec form (a JSON array of strings) is understood: ${line}`);
  }
  return parsed;
}

function envPairs(text: string, line: string): ReadonlyArray<readonly [string, string]> {
  return words(text).map((word) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(word);
    if (match === null) throw new Error(`only unquoted NAME=value pairs are understood: ${line}`);
    return [match[1] ?? '', match[2] ?? ''] as const;
  });
}

function instruction(keyword: string, rest: string, line: string): Instruction {
  switch (keyword) {
    case 'WORKDIR':
      return { kind: 'WORKDIR', path: rest };
    case 'COPY': {
      const parts = words(rest);
      const flags = parts.filter((part) => part.startsWith('--'));
      const operands = parts.filter((part) => !part.startsWith('--'));
      const from = flags.map((flag) => /^--from=(.+)$/.exec(flag)?.[1]).find((value) => value !== undefined);
      if (flags.length > (from === undefined ? 0 : 1) || operands.length < 2) {
        throw new Error(`only COPY [--from=stage] source... destination is understood: ${line}`);
      }
      return { kind: 'COPY', from, sources: operands.slice(0, -1), destination: operands[operands.length - 1] ?? '' };
    }
    case 'RUN':
      if (rest.startsWith('[') || rest.startsWith('--'))
        throw new Error(`only a plain shell RUN is understood: ${line}`);
      return { kind: 'RUN', command: rest };
    case 'ENV':
      return { kind: 'ENV', variables: envPairs(rest, line) };
    case 'USER':
      return { kind: 'USER', user: rest };
    case 'EXPOSE':
      return {
        kind: 'EXPOSE',
        ports: words(rest).map((port) => {
          if (!/^\d+(\/tcp)?$/.test(port)) throw new Error(`only TCP port numbers are understood: ${line}`);
          return Number.parseInt(port, 10);
        }),
      };
    case 'ENTRYPOINT':
      return { kind: 'ENTRYPOINT', argv: execForm(rest, line) };
    default:
      throw new Error(`instruction ${keyword} is not understood by the deploy checks: ${line}`);
  }
}

/** Parses a Dockerfile's text into its stages; throws on anything it does not understand. */
export function parseDockerfile(text: string): ReadonlyArray<Stage> {
  const stages: Array<{ image: string; name: string | undefined; instructions: Instruction[] }> = [];
  for (const line of logicalLines(text)) {
    const [keyword = '', ...restWords] = words(line);
    const rest = line.slice(keyword.length).trim();
    if (keyword.toUpperCase() !== keyword) throw new Error(`instructions are written in capitals here: ${line}`);
    if (keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+([a-z][a-z0-9_.-]*))?$/.exec(rest);
      if (match === null) throw new Error(`only FROM image [AS name] is understood: ${line}`);
      stages.push({ image: match[1] ?? '', name: match[2], instructions: [] });
      continue;
    }
    const current = stages[stages.length - 1];
    if (current === undefined) throw new Error(`an instruction before the first FROM: ${line}`);
    if (restWords.length === 0) throw new Error(`an instruction without arguments: ${line}`);
    current.instructions.push(instruction(keyword, rest, line));
  }
  return stages;
}

export function readDockerfile(root: string = REPOSITORY_ROOT): ReadonlyArray<Stage> {
  return parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
}

/** The ENV a stage sets, in order, later values winning. */
export function stageEnvironment(stage: Stage): Readonly<Record<string, string>> {
  const environment: Record<string, string> = {};
  for (const step of stage.instructions) {
    if (step.kind === 'ENV') for (const [name, value] of step.variables) environment[name] = value;
  }
  return environment;
}

/** The last WORKDIR of a stage (the directory its ENTRYPOINT runs in), `/` without one. */
export function stageWorkdir(stage: Stage): string {
  return stage.instructions.reduce(
    (dir, step) => (step.kind === 'WORKDIR' ? path.posix.resolve(dir, step.path) : dir),
    '/',
  );
}

/** The argv of a stage's last ENTRYPOINT (the one Docker runs), empty without one. */
export function stageEntrypoint(stage: Stage): ReadonlyArray<string> {
  const entrypoints = stage.instructions.flatMap((step) => (step.kind === 'ENTRYPOINT' ? [step.argv] : []));
  return entrypoints[entrypoints.length - 1] ?? [];
}

/**
 * A .dockerignore as Docker reads it, for the patterns this repository uses: one per line, `#` comments, `!` to
 * re-include, `*` within one path segment, a trailing `/` ignored; the last pattern that matches a path decides,
 * and a path is excluded when it or a directory above it is.
 */
export function dockerignoreMatcher(text: string): (relativePath: string) => boolean {
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const body = path.posix.normalize((negated ? line.slice(1) : line).replace(/\/+$/, '')).replace(/^\/+/, '');
      const source = body
        .split('/')
        .map((segment) =>
          segment
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
        )
        .join('/');
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  const matchesExactly = (candidate: string): boolean | undefined => {
    let excluded: boolean | undefined;
    for (const { negated, regex } of patterns) if (regex.test(candidate)) excluded = !negated;
    return excluded;
  };
  return (relativePath) => {
    const segments = path.posix.normalize(relativePath).split('/');
    // The deepest decision wins: a directory re-included by `!dir` re-includes what is under it, unless a later
    // pattern excludes the deeper path itself.
    let excluded = false;
    for (let depth = 1; depth <= segments.length; depth += 1) {
      const decided = matchesExactly(segments.slice(0, depth).join('/'));
      if (decided !== undefined) excluded = decided;
    }
    return excluded;
  };
}
