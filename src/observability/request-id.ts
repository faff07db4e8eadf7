import { randomUUID } from 'node:crypto';

import type { Metadata } from '@grpc/grpc-js';

export const REQUEST_ID_KEY = 'x-request-id';

/** A caller's request id is kept only if it is a plain token, so logs cannot be forged or flooded through it. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id`, or a fresh one: it ties the caller's logs, ours and AWS's request id together. */
export function requestIdOf(metadata: Metadata): string {
  const [given] = metadata.get(REQUEST_ID_KEY);
  return typeof given === 'string' && ACCEPTABLE_REQUEST_ID.test(given) ? given : randomUUID();
}
