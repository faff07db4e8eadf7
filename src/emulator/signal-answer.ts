import { createHash } from 'node:crypto';

/** StartStreamSession accepts this literal to start a session that waits for a CreateStreamSessionConnection. */
export const NO_CLIENT_CONNECTION = 'NO_CLIENT_CONNECTION';

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The emulator's stand-in for the stream server's WebRTC answer. It is deterministic so that tests can compute the
 * answer they expect, and it is derived from a hash so that the offer itself never appears in it.
 */
export const emulatorSignalResponse = (signalRequest: string): string =>
  JSON.stringify({
    type: 'answer',
    sdp: [
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      `s=emulator-answer-${sha256Hex(signalRequest).slice(0, 16)}`,
      't=0 0',
      '',
    ].join('\r\n'),
  });
