import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

/** The part of an OTLP/HTTP JSON ExportTraceServiceRequest the tests read; ids are hex, as OTLP JSON has them. */
const AnyValue = t.partial({
  stringValue: t.string,
  boolValue: t.boolean,
  intValue: t.union([t.number, t.string]),
  doubleValue: t.number,
});
const KeyValues = t.array(t.type({ key: t.string, value: AnyValue }));
const OtlpSpan = t.intersection([
  t.type({
    traceId: t.string,
    spanId: t.string,
    name: t.string,
    kind: t.number,
    attributes: KeyValues,
    events: t.array(t.type({ name: t.string, attributes: KeyValues })),
    status: t.partial({ code: t.number, message: t.string }),
  }),
  t.partial({ parentSpanId: t.string }),
]);
const ExportTraceServiceRequest = t.type({
  resourceSpans: t.array(
    t.type({
      resource: t.type({ attributes: KeyValues }),
      scopeSpans: t.array(t.type({ scope: t.type({ name: t.string }), spans: t.array(OtlpSpan) })),
    }),
  ),
});

export type AttributeValue = string | number | boolean;

/** OTLP's enums, by name: kind 2 is SERVER, 3 CLIENT; status code 0 is UNSET, 1 OK, 2 ERROR. */
const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
const STATUS_CODES = ['UNSET', 'OK', 'ERROR'] as const;

/** One exported span, flattened with its resource and instrumentation scope. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: string;
  readonly status: { readonly code: string; readonly message: string | undefined };
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly events: ReadonlyArray<{
    readonly name: string;
    readonly attributes: Readonly<Record<string, AttributeValue>>;
  }>;
  readonly scope: string;
  readonly resource: Readonly<Record<string, AttributeValue>>;
}

function valueOf(value: t.TypeOf<typeof AnyValue>): AttributeValue {
  return (
    value.stringValue ??
    value.boolValue ??
    (value.intValue === undefined ? undefined : Number(value.intValue)) ??
    value.doubleValue ??
    '(not a scalar)'
  );
}

function recordOf(keyValues: t.TypeOf<typeof KeyValues>): Record<string, AttributeValue> {
  return Object.fromEntries(keyValues.map(({ key, value }) => [key, valueOf(value)]));
}

function flatten(request: t.TypeOf<typeof ExportTraceServiceRequest>): ReceivedSpan[] {
  return request.resourceSpans.flatMap(({ resource, scopeSpans }) =>
    scopeSpans.flatMap(({ scope, spans }) =>
      spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        // OTLP JSON may send an absent parent as an empty string.
        parentSpanId: span.parentSpanId === '' ? undefined : span.parentSpanId,
        name: span.name,
        kind: KINDS[span.kind] ?? `kind ${span.kind}`,
        status: {
          code: STATUS_CODES[span.status.code ?? 0] ?? `code ${String(span.status.code)}`,
          message: span.status.message,
        },
        attributes: recordOf(span.attributes),
        events: span.events.map((event) => ({ name: event.name, attributes: recordOf(event.attributes) })),
        scope: scope.name,
        resource: recordOf(resource.attributes),
      })),
    ),
  );
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * An OTLP/HTTP trace collector on 127.0.0.1 that keeps what it receives in memory: the service exports to it exactly
 * as it would to a real collector (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json), so nothing test-only runs inside
 * the service. Keeps the raw bodies too, to search them for what must never be exported.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly bodies: string[] = [];
  /** Requests that were not an OTLP JSON trace export: a test fails on any. */
  readonly rejected: string[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void receiver.receive(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  /** The value for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (a full URL: the exporter adds no path to it). */
  get tracesEndpoint(): string {
    const address = this.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return `http://127.0.0.1:${port}/v1/traces`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request).catch(() => '');
    const decoded =
      request.method === 'POST' && request.url === '/v1/traces'
        ? E.tryCatch(
            (): unknown => JSON.parse(body),
            () => 'not JSON',
          )
        : E.left(`${request.method ?? '?'} ${request.url ?? '?'}`);
    const parsed = E.chain((json: unknown) =>
      E.mapLeft(() => `not an ExportTraceServiceRequest: ${body.slice(0, 200)}`)(
        ExportTraceServiceRequest.decode(json),
      ),
    )(decoded);
    if (E.isLeft(parsed)) {
      this.rejected.push(parsed.left);
      response.writeHead(400, { 'content-type': 'application/json' }).end('{}');
    } else {
      this.bodies.push(body);
      this.spans.push(...flatten(parsed.right));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }
  }
}
