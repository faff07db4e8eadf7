import * as http2 from 'node:http2';
import { connect } from 'node:net';

import * as grpc from '@grpc/grpc-js';

/** The full method paths of reconnect.v1.ReconnectService, as they go on the wire. */
export const RECONNECT_PATH = '/reconnect.v1.ReconnectService/ReconnectStreamSession';
export const GET_STREAM_SESSION_PATH = '/reconnect.v1.ReconnectService/GetStreamSession';

// ---------------------------------------------------------------------------------------------------------------
// Protobuf wire format, by hand: for messages that no generated encoder would ever produce.
// ---------------------------------------------------------------------------------------------------------------

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** A base-128 varint of any non-negative integer (up to 64 bits and beyond: over-long ones are hostile input too). */
export function varint(value: number | bigint): Buffer {
  let rest = BigInt(value);
  if (rest < 0n) {
    throw new RangeError('varint() encodes non-negative integers only');
  }
  const bytes: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Buffer.from(bytes);
}

/** A field's tag: its number and wire type (any values, including the illegal ones). */
export function tag(fieldNumber: number, wireType: number): Buffer {
  return varint(BigInt(fieldNumber) * 8n + BigInt(wireType));
}

/** A length-delimited field with a correct length. */
export function lengthDelimited(fieldNumber: number, payload: Buffer | string): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([tag(fieldNumber, WIRE_LENGTH_DELIMITED), varint(bytes.length), bytes]);
}

export interface FrameOptions {
  /** The first byte of the gRPC frame: 0 = not compressed, 1 = compressed; anything else is hostile. */
  readonly compressedFlag?: number;
  /** The length the header announces; the real length by default. */
  readonly announcedLength?: number;
}

/** A gRPC length-prefixed message: flag byte, 4-byte big-endian length, message. */
export function grpcFrame(message: Buffer, options: FrameOptions = {}): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(options.compressedFlag ?? 0, 0);
  header.writeUInt32BE(options.announcedLength ?? message.length, 1);
  return Buffer.concat([header, message]);
}

// ---------------------------------------------------------------------------------------------------------------
// Raw bytes through the real grpc-js client.
// ---------------------------------------------------------------------------------------------------------------

/** How a unary call ended, with everything the server sent besides the message. */
export interface RawUnaryOutcome {
  readonly code: grpc.status;
  readonly details: string;
  /** The response headers; undefined when the status came without them (trailers-only). */
  readonly headers: grpc.Metadata | undefined;
  readonly trailers: grpc.Metadata;
  /** The response message's bytes, for an OK call. */
  readonly response: Buffer | undefined;
}

export interface RawCallOptions {
  readonly metadata?: grpc.Metadata;
  /** Milliseconds from now. */
  readonly deadlineMs?: number;
  /** Cancels the call when it fires. */
  readonly signal?: AbortSignal;
}

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * A grpc-js client whose serializer is the identity on bytes: whatever the test builds goes on the wire as the
 * message, unchecked, framed by grpc-js itself.
 */
export class RawGrpcClient {
  private readonly client: grpc.Client;

  constructor(address: string, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {
    this.client = new grpc.Client(address, credentials);
  }

  call(path: string, message: Buffer, options: RawCallOptions = {}): Promise<RawUnaryOutcome> {
    return new Promise((resolve) => {
      let headers: grpc.Metadata | undefined;
      let response: Buffer | undefined;
      const callOptions: grpc.CallOptions =
        options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
      const call = this.client.makeUnaryRequest(
        path,
        identity,
        identity,
        message,
        options.metadata ?? new grpc.Metadata(),
        callOptions,
        (_error, value) => {
          response = value;
        },
      );
      call.on('metadata', (received: grpc.Metadata) => {
        headers = received;
      });
      // grpc-js calls the callback before it emits 'status', so the response is known by then.
      call.on('status', (status: grpc.StatusObject) => {
        options.signal?.removeEventListener('abort', cancel);
        resolve({ code: status.code, details: status.details, headers, trailers: status.metadata, response });
      });
      const cancel = (): void => call.cancel();
      if (options.signal?.aborted === true) {
        call.cancel();
      } else {
        options.signal?.addEventListener('abort', cancel, { once: true });
      }
    });
  }

  close(): void {
    this.client.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A raw HTTP/2 client (node:http2): frames and headers no gRPC library would send.
// ---------------------------------------------------------------------------------------------------------------

export interface Http2Request {
  readonly path: string;
  /** Bytes of the request body, sent as they are (frame headers included, or not). */
  readonly body: Buffer;
  /** Headers added to (or replacing) the gRPC defaults: POST, content-type application/grpc, te trailers. */
  readonly headers?: http2.OutgoingHttpHeaders;
  /** Ends the stream after the body (default); false leaves it open, as a stalled client would. */
  readonly endStream?: boolean;
  /** The longest the test waits for the server to end the stream; after it the stream is reset. */
  readonly timeoutMs: number;
}

/** How the server ended a raw HTTP/2 gRPC request. */
export interface Http2Outcome {
  /**
   * 'status': the server ended the stream with a grpc-status (in trailers, or in headers for trailers-only);
   * 'http-status': it answered without one (e.g. 415); 'reset': it reset the stream; 'timeout': it did neither
   * within timeoutMs; 'session-error': the connection failed.
   */
  readonly ending: 'status' | 'http-status' | 'reset' | 'timeout' | 'session-error';
  readonly httpStatus: number | undefined;
  readonly grpcStatus: number | undefined;
  readonly grpcMessage: string | undefined;
  readonly statusDetails: Buffer | undefined;
  readonly dataBytes: number;
}

function headerText(headers: http2.IncomingHttpHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : undefined;
}

/** Sends one request on a fresh HTTP/2 connection to 127.0.0.1:port and reports how the server ended it. */
export function rawHttp2Call(port: number, request: Http2Request): Promise<Http2Outcome> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    let settled = false;
    let responseHeaders: http2.IncomingHttpHeaders | undefined;
    let trailers: http2.IncomingHttpHeaders | undefined;
    let dataBytes = 0;
    const finish = (ending: Http2Outcome['ending']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const statusHeaders = trailers ?? responseHeaders;
      const grpcStatus = headerText(statusHeaders, 'grpc-status');
      const details = headerText(statusHeaders, 'grpc-status-details-bin');
      const grpcMessage = headerText(statusHeaders, 'grpc-message');
      const httpStatus = responseHeaders?.[':status'];
      resolve({
        ending: ending === 'status' && grpcStatus === undefined ? 'http-status' : ending,
        httpStatus: typeof httpStatus === 'number' ? httpStatus : undefined,
        grpcStatus: grpcStatus === undefined ? undefined : Number(grpcStatus),
        grpcMessage: grpcMessage === undefined ? undefined : decodeURIComponent(grpcMessage),
        statusDetails: details === undefined ? undefined : Buffer.from(details, 'base64'),
        dataBytes,
      });
      session.destroy();
    };
    const timer = setTimeout(() => finish('timeout'), request.timeoutMs);
    session.on('error', () => finish('session-error'));
    const stream = session.request({
      ':method': 'POST',
      ':path': request.path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...request.headers,
    });
    stream.on('response', (headers) => {
      responseHeaders = headers;
    });
    stream.on('trailers', (received: http2.IncomingHttpHeaders) => {
      trailers = received;
    });
    stream.on('data', (chunk: Buffer) => {
      dataBytes += chunk.length;
    });
    // 'end': the server ended its side (even while ours is still open); 'close': both ended, or a reset.
    stream.on('end', () => finish('status'));
    stream.on('error', () => finish('reset'));
    stream.on('close', () => finish(stream.rstCode === http2.constants.NGHTTP2_NO_ERROR ? 'status' : 'reset'));
    if (request.endStream === false) {
      stream.write(request.body);
    } else {
      stream.end(request.body);
    }
  });
}

/**
 * Starts a request, sends part of a message, then walks away: 'reset' cancels the stream (RST_STREAM), 'destroy'
 * drops the whole connection. Resolves once the client side is closed; the server is left to clean up.
 */
export function abandonMidMessage(
  port: number,
  path: string,
  partialBody: Buffer,
  how: 'reset' | 'destroy',
): Promise<void> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    session.on('close', () => resolve());
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.on('error', () => undefined);
    stream.write(partialBody, () => {
      if (how === 'reset') {
        stream.close(http2.constants.NGHTTP2_CANCEL, () => session.close());
      } else {
        session.destroy();
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP/2 framed by hand: for header fields node:http2 and grpc-js will not send, such as a repeated authorization.
// ---------------------------------------------------------------------------------------------------------------

const FRAME_DATA = 0x0;
const FRAME_HEADERS = 0x1;
const FRAME_RST_STREAM = 0x3;
const FRAME_SETTINGS = 0x4;
const FRAME_PING = 0x6;
const FRAME_GOAWAY = 0x7;
const FLAG_END_STREAM = 0x1;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const CONNECTION_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** An HPACK integer with a 7-bit prefix (RFC 7541 §5.1). */
function hpackLength(length: number): Buffer {
  if (length < 0x7f) return Buffer.from([length]);
  const bytes = [0x7f];
  let rest = length - 0x7f;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) + 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** Every field as a literal without indexing, with a new name and no Huffman coding (RFC 7541 §6.2.2). */
function hpackBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.concat(
    fields.flatMap(([name, value]) => {
      const nameBytes = Buffer.from(name, 'latin1');
      const valueBytes = Buffer.from(value, 'latin1');
      return [
        Buffer.from([0x00]),
        hpackLength(nameBytes.length),
        nameBytes,
        hpackLength(valueBytes.length),
        valueBytes,
      ];
    }),
  );
}

/**
 * Sends one gRPC request on a fresh connection to 127.0.0.1:port with exactly these header fields after the pseudo
 * ones, repeats included, and resolves once the server has ended the stream (or reset it, or closed the connection,
 * or `timeoutMs` passed). It reads only frame headers: the test checks what the server did through its effects.
 */
export function sendWithHeaderFields(
  port: number,
  path: string,
  fields: ReadonlyArray<readonly [string, string]>,
  body: Buffer,
  timeoutMs: number,
): Promise<'ended' | 'reset' | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let settled = false;
    const finish = (how: 'ended' | 'reset' | 'closed' | 'timeout'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(how);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 9) {
        const length = received.readUIntBE(0, 3);
        if (received.length < 9 + length) break;
        const type = received.readUInt8(3);
        const flags = received.readUInt8(4);
        const streamId = received.readUInt32BE(5) & 0x7fffffff;
        const payload = received.subarray(9, 9 + length);
        received = received.subarray(9 + length);
        if (type === FRAME_SETTINGS && (flags & FLAG_ACK) === 0)
          socket.write(frame(FRAME_SETTINGS, FLAG_ACK, 0, Buffer.alloc(0)));
        if (type === FRAME_PING && (flags & FLAG_ACK) === 0) socket.write(frame(FRAME_PING, FLAG_ACK, 0, payload));
        if (streamId === 1 && (type === FRAME_HEADERS || type === FRAME_DATA) && (flags & FLAG_END_STREAM) !== 0)
          finish('ended');
        if (streamId === 1 && type === FRAME_RST_STREAM) finish('reset');
        if (type === FRAME_GOAWAY) finish('closed');
      }
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('connect', () => {
      const headers = hpackBlock([
        [':method', 'POST'],
        [':scheme', 'http'],
        [':path', path],
        [':authority', `127.0.0.1:${port}`],
        ['content-type', 'application/grpc'],
        ['te', 'trailers'],
        ...fields,
      ]);
      socket.write(
        Buffer.concat([
          CONNECTION_PREFACE,
          frame(FRAME_SETTINGS, 0, 0, Buffer.alloc(0)),
          frame(FRAME_HEADERS, FLAG_END_HEADERS, 1, headers),
          frame(FRAME_DATA, FLAG_END_STREAM, 1, body),
        ]),
      );
    });
  });
}
