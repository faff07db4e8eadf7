import { createHash } from 'node:crypto';

/** SHA-256 of a signal string, hex: lets us compare offers without keeping them. */
export function signalDigest(signal: string): string {
  return createHash('sha256').update(signal, 'utf8').digest('hex');
}
