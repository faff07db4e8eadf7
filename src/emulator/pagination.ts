const TOKEN_PREFIX = 'emulator-page:';

/**
 * NextToken is opaque to callers; inside it is the creation sequence number of the first session of the next page.
 * A cursor rather than an offset, so that sessions forgotten between two pages shift nothing.
 */
export const encodeNextToken = (sequence: number): string =>
  Buffer.from(`${TOKEN_PREFIX}${sequence}`, 'utf8').toString('base64url');

export const decodeNextToken = (token: string): number | undefined => {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(TOKEN_PREFIX)) {
    return undefined;
  }
  const digits = text.slice(TOKEN_PREFIX.length);
  return /^(0|[1-9][0-9]{0,14})$/.test(digits) ? Number(digits) : undefined;
};

export interface Page<T> {
  readonly items: readonly T[];
  /** The sequence number the next page starts at, when there is one. */
  readonly next: number | undefined;
}

/** Up to `maxResults` items from `from` on, out of items sorted by `sequence`. */
export const pageOf = <T extends { readonly sequence: number }>(
  sorted: readonly T[],
  from: number,
  maxResults: number,
): Page<T> => {
  const start = sorted.findIndex((item) => item.sequence >= from);
  if (start === -1) {
    return { items: [], next: undefined };
  }
  const items = sorted.slice(start, start + maxResults);
  return { items, next: sorted[start + maxResults]?.sequence };
};
