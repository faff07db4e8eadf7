import { assertNever } from './assert-never';

/** The six errors the model defines for the stream-session operations; `operation-errors.ts` says which answers which. */
export const MODELLED_ERROR_NAMES = [
  'AccessDeniedException',
  'ConflictException',
  'InternalServerException',
  'ResourceNotFoundException',
  'ThrottlingException',
  'ValidationException',
] as const;

export type ModelledErrorName = (typeof MODELLED_ERROR_NAMES)[number];

export const isModelledErrorName = (value: string): value is ModelledErrorName =>
  (MODELLED_ERROR_NAMES as readonly string[]).includes(value);

export const modelledHttpStatus = (name: ModelledErrorName): number => {
  switch (name) {
    case 'ValidationException':
      return 400;
    case 'AccessDeniedException':
      return 403;
    case 'ResourceNotFoundException':
      return 404;
    case 'ConflictException':
      return 409;
    case 'ThrottlingException':
      return 429;
    case 'InternalServerException':
      return 500;
    default:
      return assertNever(name);
  }
};

/** Status an injected error with an unmodelled name gets unless the fault says otherwise. */
export const UNMODELLED_ERROR_DEFAULT_STATUS = 400;

/**
 * An AWS-style error response as a value. `errorType` goes to `X-Amzn-Errortype`; `undefined` means a bare HTTP error
 * with no type information, which the SDK reports as `Unknown`. Only injected faults and unknown routes produce
 * errors other than `ModelledError`s.
 */
export interface ServiceError {
  readonly errorType: string | undefined;
  readonly httpStatus: number;
  readonly message: string;
}

/**
 * An error the model defines, typed by its name, so that an operation's signature can say which errors it may answer
 * (see `operation-errors.ts`) and the compiler refuses any other.
 */
export interface ModelledError<Name extends ModelledErrorName = ModelledErrorName> extends ServiceError {
  readonly errorType: Name;
}

const modelled = <Name extends ModelledErrorName>(name: Name, message: string): ModelledError<Name> => ({
  errorType: name,
  httpStatus: modelledHttpStatus(name),
  message,
});

export const validationError = (message: string): ModelledError<'ValidationException'> =>
  modelled('ValidationException', message);
export const resourceNotFound = (message: string): ModelledError<'ResourceNotFoundException'> =>
  modelled('ResourceNotFoundException', message);
export const conflict = (message: string): ModelledError<'ConflictException'> => modelled('ConflictException', message);
export const internalServerError = (message: string): ModelledError<'InternalServerException'> =>
  modelled('InternalServerException', message);

export const throttled = (operation: string): ModelledError<'ThrottlingException'> =>
  modelled('ThrottlingException', `Rate exceeded for ${operation}; retry after a short wait.`);

export const unknownOperation = (method: string, rawPath: string): ServiceError => ({
  errorType: 'UnknownOperationException',
  httpStatus: 404,
  // The raw path can only hold labels the caller chose to send in a URL; it never carries a signal string.
  message: `No GameLift Streams operation matches ${method} ${rawPath.slice(0, 256)}.`,
});

/**
 * What AWS's SigV4 check answers, before any operation runs, to a request signed for another endpoint: the
 * credential scope names a region or service that endpoint does not serve. No operation's model lists it, so the SDK
 * surfaces it as a GameLiftStreamsServiceException of this name with status 403, a client error it does not retry.
 */
export const invalidSignature = (message: string): ServiceError => ({
  errorType: 'InvalidSignatureException',
  httpStatus: 403,
  message,
});

/** What AWS answers an `Authorization` header that is not SigV4 with a credential scope. */
export const incompleteSignature = (): ServiceError => ({
  errorType: 'IncompleteSignatureException',
  httpStatus: 400,
  message: 'The Authorization header is not AWS Signature Version 4 with a credential scope.',
});
