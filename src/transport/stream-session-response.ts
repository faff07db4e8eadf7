import type { StreamSessionReport } from '../domain/get-stream-session';
import {
  StreamSessionStatus,
  streamSessionStatusFromJSON,
  type GetStreamSessionResponse,
} from '../gen/reconnect/v1/reconnect';

/** AWS spells statuses as our enum's names without the prefix; a status newer than the contract is UNSPECIFIED. */
function toStatusEnum(status: string | undefined): StreamSessionStatus {
  if (status === undefined) {
    return StreamSessionStatus.STREAM_SESSION_STATUS_UNSPECIFIED;
  }
  const known = streamSessionStatusFromJSON(`STREAM_SESSION_STATUS_${status}`);
  return known === StreamSessionStatus.UNRECOGNIZED ? StreamSessionStatus.STREAM_SESSION_STATUS_UNSPECIFIED : known;
}

export function toGetStreamSessionResponse(report: StreamSessionReport): GetStreamSessionResponse {
  return {
    status: toStatusEnum(report.record.status),
    statusName: report.record.status ?? '',
    statusReason: report.record.statusReason ?? '',
    reconnectable: report.reconnectable,
    reconnectionWindowEndsAt: report.windowEndsAt,
    arn: report.record.arn ?? '',
    connectionTimeoutSeconds: report.record.connectionTimeoutSeconds ?? 0,
    lastUpdatedAt: report.record.lastUpdatedAt,
  };
}
