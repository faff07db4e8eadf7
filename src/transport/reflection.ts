import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';
import { protoPath as healthProtoPath } from 'grpc-health-check';

/**
 * Where `npm run build` writes the descriptor set of our protos (`buf build --as-file-descriptor-set`, imports
 * included): dist/descriptor-set.binpb, two folders up from this module's compiled file in dist/src/transport/.
 */
export const DEFAULT_DESCRIPTOR_SET_PATH = path.resolve(__dirname, '..', '..', 'descriptor-set.binpb');

export interface ReflectionSettings {
  readonly enabled: boolean;
  readonly descriptorSetPath: string;
  /** Services the descriptor set must describe; a stale or wrong file is refused at start-up, not found by a user. */
  readonly requiredServices: ReadonlyArray<string>;
}

export type ReflectionSetupError =
  | { readonly _tag: 'DescriptorSetUnreadable'; readonly path: string; readonly reason: string }
  | { readonly _tag: 'DescriptorSetInvalid'; readonly path: string; readonly reason: string }
  | { readonly _tag: 'ServiceNotDescribed'; readonly path: string; readonly serviceName: string }
  | { readonly _tag: 'LibraryProtoUnreadable'; readonly reason: string };

const SWITCH_OFF_HINT = 'run `npm run build`, or set RECONNECT_REFLECTION_ENABLED=false to serve without reflection';

export function describeReflectionSetupError(error: ReflectionSetupError): string {
  switch (error._tag) {
    case 'DescriptorSetUnreadable':
      return `server reflection: cannot read the descriptor set ${error.path} (${error.reason}); ${SWITCH_OFF_HINT}`;
    case 'DescriptorSetInvalid':
      return `server reflection: ${error.path} is not a FileDescriptorSet (${error.reason}); ${SWITCH_OFF_HINT}`;
    case 'ServiceNotDescribed':
      return `server reflection: the descriptor set ${error.path} does not describe ${error.serviceName}; ${SWITCH_OFF_HINT}`;
    case 'LibraryProtoUnreadable':
      return `server reflection: cannot load the health or reflection protos shipped with their npm packages (${error.reason})`;
    default: {
      const unreachable: never = error;
      return unreachable;
    }
  }
}

const reasonOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

function loadDescriptorSet(
  descriptorSetPath: string,
): TE.TaskEither<ReflectionSetupError, protoLoader.PackageDefinition> {
  return pipe(
    TE.tryCatch(
      () => readFile(descriptorSetPath),
      (cause): ReflectionSetupError => ({
        _tag: 'DescriptorSetUnreadable',
        path: descriptorSetPath,
        reason: reasonOf(cause),
      }),
    ),
    TE.chainEitherK((bytes) =>
      E.tryCatch(
        () => protoLoader.loadFileDescriptorSetFromBuffer(bytes),
        (cause): ReflectionSetupError => ({
          _tag: 'DescriptorSetInvalid',
          path: descriptorSetPath,
          reason: reasonOf(cause),
        }),
      ),
    ),
  );
}

function requireServices(
  definition: protoLoader.PackageDefinition,
  settings: ReflectionSettings,
): E.Either<ReflectionSetupError, protoLoader.PackageDefinition> {
  const missing = settings.requiredServices.find((serviceName) => !(serviceName in definition));
  return missing === undefined
    ? E.right(definition)
    : E.left({ _tag: 'ServiceNotDescribed', path: settings.descriptorSetPath, serviceName: missing });
}

/** The reflection protos ship inside @grpc/reflection; its entry point is build/src/index.js, they are in build/proto. */
const reflectionProtoRoot = (): string =>
  path.resolve(path.dirname(require.resolve('@grpc/reflection')), '..', 'proto');

/**
 * grpc.health.v1 and grpc.reflection (v1 and v1alpha) as descriptors, so reflection lists every service this
 * server answers, not only ours. They come from the packages that implement them, so they cannot drift.
 */
function loadLibraryProtos(): TE.TaskEither<ReflectionSetupError, protoLoader.PackageDefinition> {
  return TE.tryCatch(
    async () => {
      const health = await protoLoader.load(healthProtoPath);
      const reflection = await protoLoader.load(
        ['grpc/reflection/v1/reflection.proto', 'grpc/reflection/v1alpha/reflection.proto'],
        { includeDirs: [reflectionProtoRoot()] },
      );
      return { ...health, ...reflection };
    },
    (cause): ReflectionSetupError => ({ _tag: 'LibraryProtoUnreadable', reason: reasonOf(cause) }),
  );
}

/**
 * Adds grpc.reflection.v1 (and v1alpha, for older tools) describing every served service, when enabled. Without
 * it, grpcurl and Postman need the .proto files; some deployments prefer not to publish the schema, hence the switch.
 */
export function addReflection(
  server: grpc.Server,
  settings: ReflectionSettings,
): TE.TaskEither<ReflectionSetupError, void> {
  if (!settings.enabled) {
    return TE.right(undefined);
  }
  return pipe(
    loadDescriptorSet(settings.descriptorSetPath),
    TE.chainEitherK((definition) => requireServices(definition, settings)),
    TE.chain((ours) =>
      pipe(
        loadLibraryProtos(),
        TE.map((libraries) => ({ ...libraries, ...ours })),
      ),
    ),
    TE.chainEitherK((everything) =>
      E.tryCatch(
        () => new ReflectionService(everything).addToServer(server),
        (cause): ReflectionSetupError => ({
          _tag: 'DescriptorSetInvalid',
          path: settings.descriptorSetPath,
          reason: reasonOf(cause),
        }),
      ),
    ),
  );
}
