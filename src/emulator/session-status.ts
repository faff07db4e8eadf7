/** Status and status-reason vocabularies of a stream session, as the SDK (newer than the model) knows them. */
export const STREAM_SESSION_STATUSES = [
  'ACTIVATING',
  'ACTIVE',
  'CONNECTED',
  'PENDING_CLIENT_RECONNECTION',
  'RECONNECTING',
  'TERMINATING',
  'TERMINATED',
  'ERROR',
] as const;

export type StreamSessionStatus = (typeof STREAM_SESSION_STATUSES)[number];

export const isStreamSessionStatus = (value: unknown): value is StreamSessionStatus =>
  typeof value === 'string' && (STREAM_SESSION_STATUSES as readonly string[]).includes(value);

/** Wire values of `StreamSessionStatusReason`. */
export const STREAM_SESSION_STATUS_REASONS = [
  'internalError',
  'invalidSignalRequest',
  'placementTimeout',
  'applicationLogS3DestinationError',
  'apiTerminated',
  'applicationExit',
  'assumeRoleFailed',
  'connectionTimeout',
  'idleTimeout',
  'maxSessionLengthTimeout',
  'reconnectionTimeout',
] as const;

export type StreamSessionStatusReason = (typeof STREAM_SESSION_STATUS_REASONS)[number];

export const isStreamSessionStatusReason = (value: unknown): value is StreamSessionStatusReason =>
  typeof value === 'string' && (STREAM_SESSION_STATUS_REASONS as readonly string[]).includes(value);

export const EXPORT_FILES_STATUSES = ['SUCCEEDED', 'FAILED', 'PENDING'] as const;

export type ExportFilesStatus = (typeof EXPORT_FILES_STATUSES)[number];

export const isExportFilesStatus = (value: unknown): value is ExportFilesStatus =>
  typeof value === 'string' && (EXPORT_FILES_STATUSES as readonly string[]).includes(value);

/** A session in one of these has ended: no timer runs for it and it may be evicted. */
export const hasEnded = (status: StreamSessionStatus): boolean => status === 'TERMINATED' || status === 'ERROR';
