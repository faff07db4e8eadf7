/**
 * The requests every throughput scenario sends, so floor B and the service do the same upstream work: each
 * in-flight slot owns one stream session (a slot never has two calls in flight, so no reconnect is refused as
 * RECONNECT_IN_PROGRESS), and every offer is distinct (so nothing is coalesced and every call really reaches the
 * emulator, with a fresh idempotency token).
 */

/** About the size of a real browser offer with a few ICE candidates (1.5-3 KB), so hashing and signing see real bytes. */
const OFFER_BODY = Array.from(
  { length: 12 },
  (_, index) =>
    `a=candidate:${index} 1 udp ${2122260223 - index} 127.0.0.1 ${50000 + index} typ host generation 0\\r\\n`,
).join('');

/** A WebRTC-offer-shaped signal request, unique per (tag, slot, sequence). */
export function signalRequestFor(tag: string, slot: number, sequence: number): string {
  return `{"type":"offer","sdp":"v=0\\r\\no=- ${sequence} 2 IN IP4 127.0.0.1\\r\\ns=${tag}-${slot}\\r\\nt=0 0\\r\\n${OFFER_BODY}"}`;
}

/**
 * A ClientToken unique per (tag, slot, sequence), for callers that pass one explicitly; 69 characters, the
 * length of the tokens the service derives, so both scenarios send the same bytes.
 */
export function clientTokenFor(tag: string, slot: number, sequence: number): string {
  // The closing '-' ends the number, so the padding cannot make two tokens equal (…-12 + 0… vs …-120…).
  return `bench-${tag}-${slot}-${sequence}-`.padEnd(69, 'x');
}
