import { AWS_MODEL } from './model-constraints';
import type { OperationName } from './operations';
import type { ModelledError, ModelledErrorName } from './service-error';

/**
 * The errors each operation's model lists (the operation shape's `errors`, in AWS_MODEL; the SDK's `@throws` lists in
 * `dist-types/commands/*.d.ts` are the same). An operation answers no other error of its own making: its signature
 * uses `OperationError<Operation>`, so the compiler refuses, for example, a ConflictException from
 * TerminateStreamSession. Injected faults are the exception, on purpose: a test chooses them.
 */
export const OPERATION_ERRORS = {
  StartStreamSession: [
    'AccessDeniedException',
    'ConflictException',
    'InternalServerException',
    'ResourceNotFoundException',
    'ThrottlingException',
    'ValidationException',
  ],
  GetStreamSession: [
    'AccessDeniedException',
    'InternalServerException',
    'ResourceNotFoundException',
    'ThrottlingException',
    'ValidationException',
  ],
  ListStreamSessions: [
    'AccessDeniedException',
    'InternalServerException',
    'ResourceNotFoundException',
    'ThrottlingException',
    'ValidationException',
  ],
  // No ResourceNotFoundException: the operation names no resource.
  ListStreamSessionsByAccount: [
    'AccessDeniedException',
    'InternalServerException',
    'ThrottlingException',
    'ValidationException',
  ],
  // No ConflictException, although the model's documentation says an ACTIVATING session cannot be terminated.
  TerminateStreamSession: [
    'AccessDeniedException',
    'InternalServerException',
    'ResourceNotFoundException',
    'ThrottlingException',
    'ValidationException',
  ],
  CreateStreamSessionConnection: [
    'AccessDeniedException',
    'ConflictException',
    'InternalServerException',
    'ResourceNotFoundException',
    'ThrottlingException',
    'ValidationException',
  ],
} as const satisfies Readonly<Record<OperationName, readonly ModelledErrorName[]>>;

export const OPERATION_ERRORS_SOURCE = `${AWS_MODEL}, the errors of each operation shape`;

export type OperationErrorName<Operation extends OperationName> = (typeof OPERATION_ERRORS)[Operation][number];

/** An error `Operation` may answer. */
export type OperationError<Operation extends OperationName> = ModelledError<OperationErrorName<Operation>>;
