import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { useSuiteFixture } from './suite-fixture';

/** A fresh bearer token: 32 random bytes, base64url (printable ASCII, no spaces). Never written to a file. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the callers file stores instead of a token: its SHA-256, lowercase hex. */
export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** One caller as a test describes it: the token itself (only its digest is written) and/or certificate names. */
export interface CallerSpec {
  readonly name: string;
  readonly token?: string;
  readonly certificateNames?: ReadonlyArray<string>;
  readonly streamGroups: ReadonlyArray<string>;
}

/** The JSON the service reads (src/security/callers-file.ts). */
export function callersFileJson(callers: ReadonlyArray<CallerSpec>): string {
  return `${JSON.stringify(
    {
      callers: callers.map((caller) => ({
        name: caller.name,
        ...(caller.token === undefined ? {} : { tokenSha256: sha256Hex(caller.token) }),
        ...(caller.certificateNames === undefined ? {} : { certificateNames: caller.certificateNames }),
        streamGroups: caller.streamGroups,
      })),
    },
    null,
    2,
  )}\n`;
}

/** A callers file in a temporary directory of its own, rewritten at will and removed by `remove()`. */
export class CallersFixture {
  readonly path: string;

  private constructor(private readonly directory: string) {
    this.path = path.join(directory, 'callers.json');
  }

  static async create(callers: ReadonlyArray<CallerSpec>): Promise<CallersFixture> {
    const fixture = new CallersFixture(await mkdtemp(path.join(os.tmpdir(), 'reconnect-callers-')));
    await fixture.write(callers);
    return fixture;
  }

  /** Replaces the file's contents with these callers. */
  async write(callers: ReadonlyArray<CallerSpec>): Promise<void> {
    await this.writeText(callersFileJson(callers));
  }

  /** Replaces the file's contents with any text (to test a broken file). */
  async writeText(text: string): Promise<void> {
    await writeFile(this.path, text, { mode: 0o600 });
  }

  async remove(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }
}

/**
 * Registers a suite's hooks: a callers file holding these callers, written before the suite's first test and removed
 * after its last. Returns a getter, since the file exists only once the `before` hook has run.
 */
export function useCallersFile(callers: ReadonlyArray<CallerSpec>): () => CallersFixture {
  return useSuiteFixture('the callers file', {
    start: () => CallersFixture.create(callers),
    close: (fixture) => fixture.remove(),
  });
}
