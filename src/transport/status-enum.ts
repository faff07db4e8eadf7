import { StreamSessionStatus, streamSessionStatusFromJSON } from '../gen/reconnect/v1/reconnect';

/** AWS spells statuses as our enum's names without the prefix; a status newer than the contract is UNSPECIFIED. */
export function toStatusEnum(status: string | undefined): StreamSessionStatus {
  if (status === undefined) {
    return StreamSessionStatus.STREAM_SESSION_STATUS_UNSPECIFIED;
  }
  const known = streamSessionStatusFromJSON(`STREAM_SESSION_STATUS_${status}`);
  return known === StreamSessionStatus.UNRECOGNIZED ? StreamSessionStatus.STREAM_SESSION_STATUS_UNSPECIFIED : known;
}
