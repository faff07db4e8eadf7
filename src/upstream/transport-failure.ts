/**
 * Error codes that mean the connection to AWS failed, or AWS's answer never arrived whole. Node's socket errors
 * (the SDK's own transient list), and undici's: the HTTP handler renames undici's failures before the answer's
 * headers to names the SDK retries, but a connection lost or stalled while the body is read reaches the SDK as
 * undici left it, with the answer's HTTP status attached.
 */
const TRANSPORT_FAILURE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The code of an error that is a transport failure, or undefined for any other value. */
export function transportFailureCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  return typeof code === 'string' && TRANSPORT_FAILURE_CODES.has(code) ? code : undefined;
}
