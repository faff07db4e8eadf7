import { assertNever } from './assert-never';

/** The six GameLift Streams operations the emulator serves; every per-operation table is keyed by this union. */
export const OPERATION_NAMES = [
  'StartStreamSession',
  'GetStreamSession',
  'ListStreamSessions',
  'ListStreamSessionsByAccount',
  'TerminateStreamSession',
  'CreateStreamSessionConnection',
] as const;

export type OperationName = (typeof OPERATION_NAMES)[number];

export const isOperationName = (value: unknown): value is OperationName =>
  typeof value === 'string' && (OPERATION_NAMES as readonly string[]).includes(value);

/** HTTP status of a successful response, from the model's `smithy.api#http` trait. */
export const successStatus = (operation: OperationName): number => {
  switch (operation) {
    case 'StartStreamSession':
      return 201;
    case 'GetStreamSession':
    case 'ListStreamSessions':
    case 'ListStreamSessionsByAccount':
    case 'CreateStreamSessionConnection':
      return 200;
    case 'TerminateStreamSession':
      return 204;
    default:
      return assertNever(operation);
  }
};

/** Builds a table with one entry per operation, so no operation can be forgotten. */
export const perOperation = <T>(make: (operation: OperationName) => T): Record<OperationName, T> => ({
  StartStreamSession: make('StartStreamSession'),
  GetStreamSession: make('GetStreamSession'),
  ListStreamSessions: make('ListStreamSessions'),
  ListStreamSessionsByAccount: make('ListStreamSessionsByAccount'),
  TerminateStreamSession: make('TerminateStreamSession'),
  CreateStreamSessionConnection: make('CreateStreamSessionConnection'),
});
