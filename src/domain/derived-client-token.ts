import { createHash } from 'node:crypto';

import * as E from 'fp-ts/Either';

import { ClientToken } from './identifiers';
import type { SessionKey } from './session-key';

/** Bumped if the derivation ever changes, so old and new tokens never collide. */
const DERIVATION_VERSION = 'rsc1';

/**
 * The ClientToken used when the caller gives none: the same (stream group, stream session, offer) always gives
 * the same token, so a retry of the same request, by the caller or through another replica, is idempotent at
 * AWS. The offer enters only as its SHA-256, and the token is hashed again, so it reveals nothing of the offer.
 */
export function deriveClientToken(session: SessionKey, signalRequestDigest: string): ClientToken | undefined {
  const digest = createHash('sha256').update(`${session}\n${signalRequestDigest}`, 'utf8').digest('hex');
  // Always 69 printable ASCII characters, so the codec accepts it; decoding brands it without a cast.
  const decoded = ClientToken.decode(`${DERIVATION_VERSION}-${digest}`);
  return E.isRight(decoded) ? decoded.right : undefined;
}
