/**
 * What a request's `Authorization` header says about where it was meant to go. The AWS SDK signs every call with
 * SigV4: `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=…, Signature=…`.
 * AWS's regional endpoints accept only requests whose credential scope names their own region and service, so the
 * scope is how one emulator endpoint can tell its emulated regions apart. Only the scope is read: the emulator
 * checks no signature, and neither the key nor the date is looked at.
 */
export type CredentialScopeReading =
  /** No `Authorization` header: a raw HTTP test or curl, never the SDK. */
  | { readonly kind: 'absent' }
  /** A header that is not SigV4 with a five-part credential scope. */
  | { readonly kind: 'malformed' }
  | { readonly kind: 'scoped'; readonly region: string; readonly service: string };

const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
const CREDENTIAL_PARAMETER = 'Credential=';
const SCOPE_TERMINATOR = 'aws4_request';

const MALFORMED: CredentialScopeReading = { kind: 'malformed' };

/** The credential scope of a SigV4 `Authorization` header; total, so any header has an answer. */
export const readCredentialScope = (authorization: string | undefined): CredentialScopeReading => {
  if (authorization === undefined) {
    return { kind: 'absent' };
  }
  const header = authorization.trim();
  const firstSpace = header.search(/\s/);
  if (firstSpace === -1 || header.slice(0, firstSpace) !== SIGV4_ALGORITHM) {
    return MALFORMED;
  }
  const credential = header
    .slice(firstSpace)
    .split(',')
    .map((parameter) => parameter.trim())
    .find((parameter) => parameter.startsWith(CREDENTIAL_PARAMETER));
  if (credential === undefined) {
    return MALFORMED;
  }
  // An access key id holds no `/`, so a well-formed scope has exactly five parts.
  const [key, date, region, service, terminator, ...extra] = credential.slice(CREDENTIAL_PARAMETER.length).split('/');
  return key === undefined ||
    date === undefined ||
    region === undefined ||
    service === undefined ||
    terminator !== SCOPE_TERMINATOR ||
    extra.length > 0
    ? MALFORMED
    : { kind: 'scoped', region, service };
};
