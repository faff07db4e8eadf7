import * as E from 'fp-ts/Either';

import type { Caller } from '../domain/caller';
import { loadCallersFile, type CallerDirectory } from './callers-file';

/** The caller every call is taken for when a loopback-only deployment configures no authentication at all. */
export const ANONYMOUS_LOOPBACK_CALLER: Caller = { name: 'anonymous-loopback', grants: [{ _tag: 'AnyStreamGroup' }] };

/**
 * The callers file as currently loaded. A reload (SIGHUP) swaps it in one assignment, so calls in flight keep the
 * caller they were authenticated as and no call is dropped; a file that fails to load leaves the old one in place.
 */
export class CallerRegistry {
  private directory: CallerDirectory | undefined;

  constructor(
    private readonly callersFile: string | undefined,
    private readonly anonymous: Caller | undefined,
  ) {}

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

  /** The caller the call interceptor's authentication named for a call. */
  resolve(name: string): Caller | undefined {
    if (this.anonymous !== undefined && name === this.anonymous.name) {
      return this.anonymous;
    }
    return this.directory?.findByName(name);
  }
}
