import {
  context,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';

/** A bare string thrown or recorded is all message, so only its kind is kept. */
function exceptionType(exception: Exception): string {
  if (typeof exception === 'string') return 'Error';
  if (exception.code !== undefined) return String(exception.code);
  return exception.name ?? 'Error';
}

/**
 * A span that keeps no free-text message: a status keeps its code and an exception only its type (the AWS error
 * name, or a socket error code). AWS's error messages may quote the request they refuse, the player's WebRTC offer
 * included, and the AWS SDK instrumentation records them verbatim as the status message and the exception event.
 */
class MessageFreeSpan implements Span {
  constructor(private readonly span: Span) {}

  spanContext(): SpanContext {
    return this.span.spanContext();
  }

  setAttribute(key: string, value: AttributeValue): this {
    this.span.setAttribute(key, value);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    this.span.setAttributes(attributes);
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    this.span.addEvent(name, attributesOrStartTime, startTime);
    return this;
  }

  addLink(link: Link): this {
    this.span.addLink(link);
    return this;
  }

  addLinks(links: Link[]): this {
    this.span.addLinks(links);
    return this;
  }

  setStatus(status: SpanStatus): this {
    this.span.setStatus({ code: status.code });
    return this;
  }

  updateName(name: string): this {
    this.span.updateName(name);
    return this;
  }

  end(endTime?: TimeInput): void {
    this.span.end(endTime);
  }

  isRecording(): boolean {
    return this.span.isRecording();
  }

  recordException(exception: Exception, time?: TimeInput): void {
    this.span.recordException({ name: exceptionType(exception) }, time);
  }
}

class MessageFreeTracer implements Tracer {
  constructor(private readonly tracer: Tracer) {}

  startSpan(name: string, options?: SpanOptions, parent?: Context): Span {
    return new MessageFreeSpan(this.tracer.startSpan(name, options, parent));
  }

  startActiveSpan<F extends (span: Span) => ReturnType<F>>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const [options, parent, fn] =
      rest.length === 1
        ? [undefined, context.active(), rest[0]]
        : rest.length === 2
          ? [rest[0], context.active(), rest[1]]
          : rest;
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn, undefined, span);
  }
}

/** Tracers whose spans keep no free-text message (see MessageFreeSpan); everything else goes to `provider`. */
export function messageFreeTracerProvider(provider: TracerProvider): TracerProvider {
  return {
    getTracer: (name: string, version?: string, options?: TracerOptions): Tracer =>
      new MessageFreeTracer(provider.getTracer(name, version, options)),
  };
}
