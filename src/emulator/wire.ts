import type { ServerResponse } from 'node:http';
import type { ServiceError } from './service-error';

/**
 * restJson1 response writers. Every writer is a no-op on a response that is already finished or whose socket is gone,
 * so a late writer (after a dropped connection or a close) can never throw.
 */
const isWritable = (response: ServerResponse): boolean =>
  !response.headersSent && !response.writableEnded && !response.destroyed;

export const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  if (!isWritable(response)) {
    return;
  }
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload, 'utf8'),
  });
  response.end(payload);
};

export const sendEmpty = (response: ServerResponse, status: number, headers: Record<string, string> = {}): void => {
  if (!isWritable(response)) {
    return;
  }
  response.writeHead(status, headers);
  response.end();
};

/**
 * The restJson1 error format: the shape name in `X-Amzn-Errortype` (the header the JS SDK reads first) and the
 * message under both spellings, because the SDK reads `message` and the modelled member is `Message`.
 */
export const sendServiceError = (response: ServerResponse, error: ServiceError): void => {
  if (!isWritable(response)) {
    return;
  }
  if (error.errorType !== undefined) {
    response.setHeader('X-Amzn-Errortype', error.errorType);
    sendJson(response, error.httpStatus, { message: error.message, Message: error.message });
    return;
  }
  sendJson(response, error.httpStatus, {});
};
