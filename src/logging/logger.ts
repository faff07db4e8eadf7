import pino from 'pino';
import type * as PinoPretty from 'pino-pretty';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Paths the logger itself censors, as a second line of defence: our code never passes these values to a log
 * call, and this makes sure a future mistake does not leak them either. AWS marks the signal strings sensitive.
 */
export const REDACTED_PATHS: ReadonlyArray<string> = [
  'signalRequest',
  'signalResponse',
  'SignalRequest',
  'SignalResponse',
  'authorization',
  'clientToken',
  'ClientToken',
  'userId',
  'UserId',
  'secretAccessKey',
  'sessionToken',
  '*.signalRequest',
  '*.signalResponse',
  '*.SignalRequest',
  '*.SignalResponse',
  '*.authorization',
  '*.clientToken',
  '*.ClientToken',
  '*.userId',
  '*.UserId',
  '*.secretAccessKey',
  '*.sessionToken',
];

/** The paths of REDACTED_PATHS that name a field of the line itself, not of an object inside it. */
const TOP_LEVEL_REDACTED_PATHS = REDACTED_PATHS.filter((redacted) => !redacted.startsWith('*.'));

/** A line whose every field is a string, number, boolean or nothing: no object inside it to reach into. */
export type FlatLine = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * A child of `logger` for flat lines only (the access line): it censors the same field names, but only at the top
 * level, since a flat line has nothing deeper. The wildcard paths are what make redaction expensive, as the redactor
 * then walks every field of every line, and the access line is written for every call.
 */
export function flatLineLogger(logger: Logger): {
  readonly log: (level: LogLevel, line: FlatLine, message: string) => void;
} {
  const child = logger.child({}, { redact: { paths: [...TOP_LEVEL_REDACTED_PATHS], censor: '[redacted]' } });
  return { log: (level, line, message) => (level === 'silent' ? undefined : child[level](line, message)) };
}

/** Where log lines go: JSON on stdout, readable lines on stdout, or a stream a test reads. */
export type LogDestination = 'json' | 'pretty' | pino.DestinationStream;

export function createLogger(level: LogLevel, destination: LogDestination = 'json'): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'gameliftstreams-reconnect' },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
  };
  if (destination === 'json') {
    // Synchronous writes: lines reach stdout in the order they were logged, also right before process.exit
    // (an asynchronous destination once delivered the last shutdown lines out of order).
    return pino(options, pino.destination({ dest: 1, sync: true }));
  }
  if (destination === 'pretty') {
    // Required here: a deployment logs JSON and never loads the pretty printer. In-process (no worker thread), so a
    // pretty `npm start` behaves like the JSON one on exit and flush.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- createLogger is synchronous, as its callers need.
    const pretty = require('pino-pretty') as typeof PinoPretty;
    return pino(options, pretty.default({ colorize: true, sync: true, ignore: 'pid,hostname,service' }));
  }
  return pino(options, destination);
}
