/** The emulator's public surface, for the service, its tests and other teams. */
export { startEmulator, type EmulatorStartError, type RunningEmulator } from './server';
export { DEFAULT_ENDED_SESSION_RETENTION_MS, type EmulatorLogger, type EmulatorOptions } from './options';
export { EmulatorControl, type EmulatorControlError, type EmulatorControlOptions } from './control-client';
export type * from './control-types';
export { DEMO_STREAM_GROUP_ID, seedDemo } from './demo';
export { emulatorSignalResponse, NO_CLIENT_CONNECTION, sha256Hex } from './signal-answer';
export { DEFAULT_RATE_LIMITS, type RateLimit } from './throttle';
export { OPERATION_NAMES, type OperationName } from './operations';
export { OPERATION_ERRORS, type OperationErrorName } from './operation-errors';
export { STREAM_SESSION_STATUSES, type StreamSessionStatus, type StreamSessionStatusReason } from './session-status';
