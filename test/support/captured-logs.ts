import { createLogger, type LogLevel, type Logger } from '../../src/logging/logger';

/** A real pino logger whose output the test can read, to check what the service logs and what it never logs. */
export class CapturedLogs {
  readonly lines: string[] = [];
  readonly logger: Logger;

  constructor(level: LogLevel = 'debug') {
    this.logger = createLogger(level, { write: (line: string) => void this.lines.push(line) });
  }

  text(): string {
    return this.lines.join('');
  }

  entries(): ReadonlyArray<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
