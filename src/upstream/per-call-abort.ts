import type { RuntimeExtension, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-gameliftstreams';
import type { HttpHandler } from '@smithy/core/protocols';
import type { AbsoluteLocation, DeserializeHandlerOptions, DeserializeMiddleware, HttpHandlerOptions } from '@smithy/types';

/**
 * Carries each call's AbortSignal to the HTTP handler without passing it to `client.send` as an option.
 *
 * Why: the SDK resolves the middleware stack of a command into a handler on every `send(command, options)`;
 * with `cacheMiddleware: true` and no options it resolves it once per command class and reuses it. The benchmark
 * measured that resolution at about 15 % of the SDK's CPU per call (BENCHMARKS.md). Our calls need their signal
 * (deadline, cancellation), and the only place the SDK takes one is those options; so it travels another way:
 *
 * 1. the caller registers the signal against the command's input object (`register`);
 * 2. a middleware at the very end of the stack (deserialize step, low priority: nothing runs after it but the HTTP
 *    handler) sees that input with the final, signed HttpRequest of each attempt, and files the signal under it;
 * 3. the HTTP handler (the SDK's own, wrapped through the client's documented `extensions` hook) looks the signal
 *    up by the request it is given and hands it on, so an abort still destroys the socket's request at once.
 *
 * Every map is weak: an entry lives exactly as long as the call's input or request object. If a future SDK copied
 * the input before the last step, the lookup would find nothing and the request would run to its own timeout;
 * `AbortableClient` still settles the call the moment the signal fires, so the caller never waits for that.
 */
export class PerCallAbort {
  private readonly byInput = new WeakMap<object, AbortSignal>();
  private readonly byRequest = new WeakMap<object, AbortSignal>();

  register(input: object, signal: AbortSignal): void {
    this.byInput.set(input, signal);
  }

  /** Add to the client's middleware stack before its first call (a resolved handler does not see later additions). */
  readonly middleware: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => (args) => {
    const signal = this.byInput.get(args.input);
    if (signal !== undefined && typeof args.request === 'object' && args.request !== null) {
      this.byRequest.set(args.request, signal);
    }
    return next(args);
  };

  static readonly MIDDLEWARE_OPTIONS: DeserializeHandlerOptions & AbsoluteLocation = {
    step: 'deserialize',
    priority: 'low',
    name: 'reconnectPerCallAbortMiddleware',
  };

  /** The client extension that wraps the SDK's HTTP handler so it receives the call's signal. */
  readonly extension: RuntimeExtension = {
    configure: (configuration) => {
      configuration.setHttpHandler(this.signalling(configuration.httpHandler()));
    },
  };

  private signalling<Config extends object>(inner: HttpHandler<Config>): HttpHandler<Config> {
    const byRequest = this.byRequest;
    return {
      metadata: inner.metadata,
      handle: (request, options?: HttpHandlerOptions) => {
        const abortSignal = byRequest.get(request);
        return inner.handle(request, abortSignal === undefined ? options : { ...options, abortSignal });
      },
      destroy: () => inner.destroy?.(),
      updateHttpClientConfig: (key, value) => inner.updateHttpClientConfig(key, value),
      httpHandlerConfigs: () => inner.httpHandlerConfigs(),
    };
  }
}
