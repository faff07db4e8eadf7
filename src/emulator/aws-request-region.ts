import * as E from 'fp-ts/Either';
import { assertNever } from './assert-never';
import { readCredentialScope } from './credential-scope';
import type { EmulatedRegions } from './emulated-regions';
import type { RegionState } from './region-state';
import { incompleteSignature, invalidSignature, type ServiceError } from './service-error';

/** The service name in the credential scope of every GameLift Streams call (the SDK's SigV4 signing name). */
export const SIGNING_NAME = 'gameliftstreams';

/**
 * The emulated region an AWS request is for: the one its SigV4 credential scope names, as each of AWS's regional
 * endpoints accepts only requests scoped to its own region. A request without an `Authorization` header (a raw HTTP
 * test, curl) goes to the default region. A scope naming a region the emulator does not emulate gets what a regional
 * endpoint answers a request signed for another region, 403 InvalidSignatureException, rather than being served by
 * the default region: AWS never serves one region's request from another, and a test that signs for the wrong
 * region should fail loudly, not pass against the wrong region's groups and quotas. No message quotes the request.
 */
export const regionOfAwsRequest = (
  regions: EmulatedRegions,
  authorization: string | undefined,
): E.Either<ServiceError, RegionState> => {
  const scope = readCredentialScope(authorization);
  switch (scope.kind) {
    case 'absent':
      return E.right(regions.defaultRegion);
    case 'malformed':
      return E.left(incompleteSignature());
    case 'scoped': {
      if (scope.service !== SIGNING_NAME) {
        return E.left(invalidSignature(`Credential should be scoped to correct service: '${SIGNING_NAME}'.`));
      }
      const state = regions.find(scope.region);
      return state === undefined
        ? E.left(
            invalidSignature(
              `Credential should be scoped to a valid region; this emulator serves ${regions.names.join(', ')}.`,
            ),
          )
        : E.right(state);
    }
    default:
      return assertNever(scope);
  }
};
