const TOKEN_PREFIX = 'emulator-page:';

/** NextToken is opaque to callers; inside it is the offset of the next item in creation order. */
export const encodeNextToken = (offset: number): string =>
  Buffer.from(`${TOKEN_PREFIX}${offset}`, 'utf8').toString('base64url');

export const decodeNextToken = (token: string): number | undefined => {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(TOKEN_PREFIX)) {
    return undefined;
  }
  const digits = text.slice(TOKEN_PREFIX.length);
  return /^(0|[1-9][0-9]{0,8})$/.test(digits) ? Number(digits) : undefined;
};
