import * as path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import * as t from 'io-ts';

import type { CallFailure } from './health-client';

/** The client side uses the reflection proto shipped inside @grpc/reflection (build/proto, next to build/src). */
const REFLECTION_PROTO_ROOT = path.resolve(path.dirname(require.resolve('@grpc/reflection')), '..', 'proto');
const SERVICE_NAME = 'grpc.reflection.v1.ServerReflection';

const isServiceDefinition = (definition: protoLoader.AnyDefinition): definition is protoLoader.ServiceDefinition =>
  !('format' in definition);

function reflectionMethod(): protoLoader.MethodDefinition<object, object> {
  const loaded = protoLoader.loadSync('grpc/reflection/v1/reflection.proto', {
    includeDirs: [REFLECTION_PROTO_ROOT],
    keepCase: true,
  });
  const definition = loaded[SERVICE_NAME];
  if (definition === undefined || !isServiceDefinition(definition)) {
    throw new Error(`${SERVICE_NAME} is not in the reflection proto under ${REFLECTION_PROTO_ROOT}`);
  }
  return definition.ServerReflectionInfo;
}

const ListServicesResponse = t.type({
  list_services_response: t.type({ service: t.array(t.type({ name: t.string })) }),
});

const BufferCodec = new t.Type<Buffer, Buffer, unknown>(
  'Buffer',
  (u): u is Buffer => Buffer.isBuffer(u),
  (u, context) => (Buffer.isBuffer(u) ? t.success(u) : t.failure(u, context)),
  t.identity,
);
const FileDescriptorResponse = t.type({
  file_descriptor_response: t.type({ file_descriptor_proto: t.array(BufferCodec) }),
});

/** A grpc-js client of grpc.reflection.v1.ServerReflection that asks one question per stream. */
export class ReflectionClient {
  private readonly client: grpc.Client;
  private readonly method = reflectionMethod();

  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  /** The fully qualified names of the services the server lists. */
  listServices(): TE.TaskEither<CallFailure, ReadonlyArray<string>> {
    return () =>
      this.ask({ list_services: '' })().then(
        E.chain((response) =>
          ListServicesResponse.is(response)
            ? E.right(response.list_services_response.service.map((service) => service.name))
            : E.left(unexpected(response)),
        ),
      );
  }

  /** The serialized FileDescriptorProtos of the file declaring the symbol, and of the files it imports. */
  fileContainingSymbol(symbol: string): TE.TaskEither<CallFailure, ReadonlyArray<Buffer>> {
    return () =>
      this.ask({ file_containing_symbol: symbol })().then(
        E.chain((response) =>
          FileDescriptorResponse.is(response)
            ? E.right(response.file_descriptor_response.file_descriptor_proto)
            : E.left(unexpected(response)),
        ),
      );
  }

  close(): void {
    this.client.close();
  }

  private ask(request: object): TE.TaskEither<CallFailure, object> {
    return () =>
      new Promise((resolve) => {
        const stream = this.client.makeBidiStreamRequest(
          this.method.path,
          this.method.requestSerialize,
          this.method.responseDeserialize,
        );
        // Whichever comes first answers; a promise settles once.
        stream.on('data', (response: object) => {
          resolve(E.right(response));
          stream.end();
        });
        stream.on('error', (error: grpc.ServiceError) => resolve(E.left({ code: error.code, details: error.details })));
        stream.on('status', (status: grpc.StatusObject) =>
          resolve(E.left({ code: status.code, details: `the stream ended without an answer: ${status.details}` })),
        );
        stream.write(request);
      });
  }
}

function unexpected(response: object): CallFailure {
  return { code: grpc.status.UNKNOWN, details: `unexpected reflection answer ${JSON.stringify(response)}` };
}
