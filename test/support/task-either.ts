import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

/** Runs a TaskEither that a test expects to succeed, failing the test with the error otherwise. */
export async function expectRight<L, A>(task: TE.TaskEither<L, A>): Promise<A> {
  const result = await task();
  if (E.isLeft(result)) {
    throw new Error(`expected success, got ${JSON.stringify(result.left)}`);
  }
  return result.right;
}

/** Runs a TaskEither that a test expects to fail, and returns its error. */
export async function expectLeft<L, A>(task: TE.TaskEither<L, A>): Promise<L> {
  const result = await task();
  if (E.isRight(result)) {
    throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`);
  }
  return result.left;
}
