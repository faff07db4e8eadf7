/** The region and account every emulated resource lives in; both appear in every ARN. */
export interface AccountScope {
  readonly region: string;
  readonly accountId: string;
}

const ARN_PREFIX = 'arn:';

export const looksLikeArn = (identifier: string): boolean => identifier.startsWith(ARN_PREFIX);

const arnFor = (scope: AccountScope, resource: string): string =>
  `arn:aws:gameliftstreams:${scope.region}:${scope.accountId}:${resource}`;

export const streamGroupArn = (scope: AccountScope, groupId: string): string => arnFor(scope, `streamgroup/${groupId}`);

export const streamSessionArn = (scope: AccountScope, groupId: string, sessionId: string): string =>
  arnFor(scope, `streamsession/${groupId}/${sessionId}`);

/** Applications are not modelled by the emulator, so any ID or ARN is accepted and an ID is expanded into an ARN. */
export const applicationArn = (scope: AccountScope, applicationIdentifier: string): string =>
  looksLikeArn(applicationIdentifier) ? applicationIdentifier : arnFor(scope, `application/${applicationIdentifier}`);

/** The last `/`-separated part of an ARN's resource, which is the resource's own id. */
export const lastResourceSegment = (arn: string): string => {
  const slash = arn.lastIndexOf('/');
  return slash === -1 ? '' : arn.slice(slash + 1);
};
