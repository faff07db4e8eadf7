import type {
  GameLiftStreamsClient,
  GameLiftStreamsClientResolvedConfig,
  ServiceInputTypes,
  ServiceOutputTypes,
} from '@aws-sdk/client-gameliftstreams';
import type { Command } from '@smithy/types';

import type { PerCallAbort } from './per-call-abort';

/** The one option our calls pass: the signal that ends the call (deadline or cancellation). */
export interface AbortOptions {
  readonly abortSignal: AbortSignal;
}

/**
 * A GameLiftStreamsClient whose `send` takes a per-call AbortSignal and still uses the SDK's cached handler (see
 * PerCallAbort for why and how). The call settles the moment the signal fires, with the signal's reason, even where
 * the SDK cannot see the signal (between two retry attempts): nothing waits on an aborted call.
 */
export class AbortableClient {
  constructor(
    private readonly client: GameLiftStreamsClient,
    private readonly abort: PerCallAbort,
  ) {}

  send<InputType extends ServiceInputTypes, OutputType extends ServiceOutputTypes>(
    command: Command<ServiceInputTypes, InputType, ServiceOutputTypes, OutputType, GameLiftStreamsClientResolvedConfig>,
    options: AbortOptions,
  ): Promise<OutputType> {
    const signal = options.abortSignal;
    if (signal.aborted) {
      return Promise.reject(signal.reason);
    }
    this.abort.register(command.input, signal);
    // No options: that is what lets the SDK reuse its resolved handler (cacheMiddleware).
    const call = this.client.send(command);
    return new Promise<OutputType>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      call.then(
        (output) => {
          signal.removeEventListener('abort', onAbort);
          resolve(output);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  destroy(): void {
    this.client.destroy();
  }
}
