import type { IncomingMessage } from 'node:http';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export type BodyReadResult =
  | { readonly kind: 'complete'; readonly text: string }
  | { readonly kind: 'too-large'; readonly limitBytes: number }
  | { readonly kind: 'aborted' };

/**
 * Reads a request body, keeping at most `limitBytes`. An oversized body is drained and discarded rather than cut off,
 * because answering before the client has finished sending makes most HTTP clients report a reset instead of the answer.
 */
export const readBody = (request: IncomingMessage, limitBytes: number): Promise<BodyReadResult> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    let settled = false;
    const settle = (result: BodyReadResult): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    request.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (receivedBytes <= limitBytes) {
        chunks.push(chunk);
      } else {
        chunks.length = 0;
      }
    });
    request.on('end', () => {
      settle(
        receivedBytes > limitBytes
          ? { kind: 'too-large', limitBytes }
          : { kind: 'complete', text: Buffer.concat(chunks).toString('utf8') },
      );
    });
    request.on('error', () => settle({ kind: 'aborted' }));
    request.on('close', () => settle({ kind: 'aborted' }));
  });
