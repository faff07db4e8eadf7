import { readFile } from 'node:fs/promises';

import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';

import { parseGrant, type StreamGroupGrant } from '../domain/call-context';
import { CallerDirectory } from './authentication';

const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

function patterned(name: string, pattern: RegExp, expectation: string): t.Type<string, string, unknown> {
  return new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && pattern.test(u),
    (u, context) => (typeof u === 'string' && pattern.test(u) ? t.success(u) : t.failure(u, context, expectation)),
    t.identity,
  );
}

const GrantCodec = new t.Type<StreamGroupGrant, string, unknown>(
  'StreamGroupGrant',
  (u): u is StreamGroupGrant => typeof u === 'object' && u !== null && '_tag' in u,
  (u, context) => {
    const grant = typeof u === 'string' ? parseGrant(u) : undefined;
    return grant === undefined
      ? t.failure(u, context, 'must be "*", a stream group ID, or a stream group ARN')
      : t.success(grant);
  },
  () => '',
);

const CallerEntryCodec = t.intersection([
  t.type({
    name: patterned('CallerName', NAME_PATTERN, 'must be 1-64 letters, digits, ".", "_" or "-"'),
    streamGroups: t.array(GrantCodec),
  }),
  t.partial({
    tokenSha256: patterned('TokenSha256', SHA256_HEX, 'must be the lowercase hex SHA-256 of the token (64 characters)'),
    certificateNames: t.array(
      patterned('CertificateName', /^[^\s]{1,253}$/, 'must be a DNS name, URI or CN without spaces'),
    ),
  }),
]);

const CallersFileCodec = t.type({ callers: t.array(CallerEntryCodec) });

type CallerEntry = t.TypeOf<typeof CallerEntryCodec>;

function describeErrors(path: string, errors: t.Errors): string {
  const lines = errors.map((error) => {
    // An intersection's members add their own index to the path ("callers.0.1.tokenSha256"); it is no place in the file.
    const where = error.context
      .filter((entry, index) => entry.key !== '' && !(error.context[index - 1]?.type instanceof t.IntersectionType))
      .map((entry) => entry.key)
      .join('.');
    return `  ${where === '' ? '(root)' : where}: ${error.message ?? 'is invalid'}`;
  });
  return `invalid callers file ${path}:\n${[...new Set(lines)].join('\n')}`;
}

/** The values that occur more than once, in order of first repetition. */
function repeated(values: ReadonlyArray<string>): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) twice.add(value);
    seen.add(value);
  }
  return [...twice];
}

/**
 * Problems no single entry shows: an entry with no credential, and a name or credential given twice. A call is
 * authenticated by credential and then resolved by name, so a repeated name would let one entry's credential
 * carry another entry's grants; a repeated credential would make the caller depend on the order of the file.
 */
function crossEntryProblems(entries: ReadonlyArray<CallerEntry>): string[] {
  const bare = entries.filter(
    (entry) => entry.tokenSha256 === undefined && (entry.certificateNames ?? []).length === 0,
  );
  const names = repeated(entries.map((entry) => entry.name));
  const digests = repeated(entries.flatMap((entry) => (entry.tokenSha256 === undefined ? [] : [entry.tokenSha256])));
  const certificateNames = repeated(entries.flatMap((entry) => [...new Set(entry.certificateNames ?? [])]));
  return [
    ...(bare.length === 0
      ? []
      : [`callers without a tokenSha256 or certificateNames: ${bare.map((entry) => entry.name).join(', ')}`]),
    ...(names.length === 0 ? [] : [`caller names used more than once: ${names.join(', ')}`]),
    ...(digests.length === 0
      ? []
      : [`the same tokenSha256 is given to more than one caller (${digests.length} digest(s))`]),
    ...(certificateNames.length === 0
      ? []
      : [`certificate names given to more than one caller: ${certificateNames.join(', ')}`]),
  ];
}

/** Reads and checks the callers file; every problem is reported at once, and nothing secret is in the file. */
export async function loadCallersFile(path: string): Promise<E.Either<string, CallerDirectory>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error: unknown) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unreadable';
    return E.left(`cannot read callers file ${path} (${code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return E.left(`callers file ${path} is not valid JSON`);
  }
  return pipe(
    CallersFileCodec.decode(json),
    E.mapLeft((errors) => describeErrors(path, errors)),
    E.chain(({ callers }) => {
      const problems = crossEntryProblems(callers);
      return problems.length === 0
        ? E.right(new CallerDirectory(callers))
        : E.left(`invalid callers file ${path}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    }),
  );
}

/**
 * The callers file as currently loaded. A reload (SIGHUP) swaps it in one assignment, so calls in flight keep the
 * caller they were authenticated as and no call is dropped; a file that fails to load leaves the old one in place.
 */
export class CallerRegistry {
  private directory: CallerDirectory | undefined;

  constructor(private readonly callersFile: string | undefined) {}

  current(): CallerDirectory | undefined {
    return this.directory;
  }

  /** Loads (or reloads) the callers file; resolves to how many credentials it holds, or why it was refused. */
  async reload(): Promise<E.Either<string, number>> {
    if (this.callersFile === undefined) {
      return E.right(0);
    }
    const loaded = await loadCallersFile(this.callersFile);
    if (E.isRight(loaded)) {
      this.directory = loaded.right;
    }
    return E.map((directory: CallerDirectory) => directory.size())(loaded);
  }
}
