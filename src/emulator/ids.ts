import { randomInt } from 'node:crypto';

const ALPHANUMERICS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const randomAlphanumerics = (length: number): string => {
  let text = '';
  for (let index = 0; index < length; index += 1) {
    text += ALPHANUMERICS.charAt(randomInt(ALPHANUMERICS.length));
  }
  return text;
};

/** Same shape as AWS's examples (`sg-1AB2C3De4`). */
export const newStreamGroupId = (): string => `sg-${randomAlphanumerics(9)}`;

/** Same shape as AWS's examples (`ABC123def4567`). */
export const newStreamSessionId = (): string => randomAlphanumerics(13);

/** The model's `Id` shape: what a stream group id created through the control API must look like. */
export const STREAM_GROUP_ID_PATTERN = /^[a-zA-Z0-9-]{1,32}$/;
