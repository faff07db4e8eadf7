import type { RecordedRequest } from './control-types';
import type { OperationName } from './operations';

export const REQUEST_LOG_CAPACITY = 1000;

/** The most recent AWS requests, oldest first, for tests that check what reached "AWS". */
export class RequestLog {
  private entries: RecordedRequest[] = [];

  constructor(private readonly capacity: number = REQUEST_LOG_CAPACITY) {}

  record(entry: RecordedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) {
      this.entries.splice(0, this.entries.length - this.capacity);
    }
  }

  list(operation: OperationName | undefined): readonly RecordedRequest[] {
    return operation === undefined ? [...this.entries] : this.entries.filter((entry) => entry.operation === operation);
  }

  clear(): void {
    this.entries = [];
  }
}
