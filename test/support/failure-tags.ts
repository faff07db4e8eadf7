import type { ServiceFailureTag } from '../../src/domain/outcomes';

/**
 * Every tag of ServiceFailure, once: a new outcome fails to compile here until it is added, and the tables that must
 * cover every outcome (status, details, docs) are checked against this list.
 */
const EVERY: Record<ServiceFailureTag, true> = {
  InvalidRequest: true,
  UpstreamValidation: true,
  UpstreamAccessDenied: true,
  UpstreamResourceNotFound: true,
  UpstreamConflict: true,
  UpstreamThrottling: true,
  UpstreamInternalServer: true,
  UpstreamUnmodelled: true,
  UpstreamUnreachable: true,
  UpstreamClientMisconfigured: true,
  ReconnectInProgress: true,
  AdmissionRefused: true,
  Unauthenticated: true,
  CallerNotAllowed: true,
  NotSessionOwner: true,
  DeadlineExceeded: true,
  Cancelled: true,
  TooManyWatchStreams: true,
  StreamGroupNotFound: true,
  WatchPollAccessDenied: true,
  WatchPollsFailing: true,
  WatchFeedGap: true,
  ShuttingDown: true,
  WatchFellBehind: true,
};

export const EVERY_FAILURE_TAG: ReadonlySet<string> = new Set(Object.keys(EVERY));
