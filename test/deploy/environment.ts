import { CONFIGURATION_VARIABLES } from '../../src/config';

/**
 * The environment variables a deployment may set. The service's own are those its configuration codec reads; the
 * AWS SDK and OpenTelemetry read theirs themselves, so those are listed here one by one, each one a deployment has a
 * reason to set: a name that is neither is a typo or a setting that does nothing, and the checks refuse it.
 */

/** Read by the AWS SDK for JavaScript v3 (its default credential chain, endpoints and region resolution). */
export const AWS_SDK_VARIABLES: ReadonlyArray<string> = [
  // Web identity (EKS IAM roles for service accounts): the token file and role the pod identity webhook injects.
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_SESSION_NAME',
  // Container credentials (EKS Pod Identity, ECS): the agent's address and its token file.
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_STS_REGIONAL_ENDPOINTS',
  // Endpoints: a VPC endpoint for GameLift Streams, FIPS or dual-stack endpoints.
  'AWS_ENDPOINT_URL_GAMELIFTSTREAMS',
  'AWS_ENDPOINT_URL_STS',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
];

/** Read by the OpenTelemetry SDK and its OTLP exporter (docs/configuration.md, docs/operations.md#traces). */
export const OPENTELEMETRY_VARIABLES: ReadonlyArray<string> = [
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_PROPAGATORS',
  'OTEL_LOG_LEVEL',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_BSP_EXPORT_TIMEOUT',
  ...['', 'TRACES_'].flatMap((signal) =>
    ['ENDPOINT', 'PROTOCOL', 'HEADERS', 'TIMEOUT', 'COMPRESSION', 'CERTIFICATE'].map(
      (setting) => `OTEL_EXPORTER_OTLP_${signal}${setting}`,
    ),
  ),
];

const KNOWN: ReadonlySet<string> = new Set([
  ...CONFIGURATION_VARIABLES,
  ...AWS_SDK_VARIABLES,
  ...OPENTELEMETRY_VARIABLES,
]);

/** Whether a deployment may set this variable: the codec knows it, or the AWS SDK or OpenTelemetry reads it. */
export function isKnownVariable(name: string): boolean {
  return KNOWN.has(name);
}
