import pino from 'pino';

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
  '*.signalRequest',
  '*.signalResponse',
  '*.SignalRequest',
  '*.SignalResponse',
  '*.authorization',
  '*.secretAccessKey',
  '*.sessionToken',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'gameliftstreams-reconnect' },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
