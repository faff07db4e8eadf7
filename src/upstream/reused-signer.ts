import type { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';
import type { AuthScheme, RequestSigner } from '@smithy/types';

/**
 * Makes the client reuse its SigV4 signer instead of building a new one for every call.
 *
 * Why: the SDK's resolved `signer` builds a fresh SignatureV4 on each call from a copy of the client's whole
 * configuration, an object V8 keeps in dictionary mode, so the copy alone costs about 10 µs; with the constructor,
 * about 20 µs of every call's CPU (BENCHMARKS.md). A signer holds no state of a request's: it reads the
 * credentials through the client's provider on every signature (so rotation and refresh behave as before) and
 * takes each request's signing date, region and service from the SDK. After the first call the SDK's own builder
 * produces the same signer every time, so the one it built is kept, per auth scheme, and nothing else changes.
 * A build that fails is not kept: the next call asks the SDK again.
 */
export function reuseSigner(client: GameLiftStreamsClient): void {
  const buildSigner = client.config.signer;
  const byScheme = new Map<string, Promise<RequestSigner>>();
  client.config.signer = (authScheme?: AuthScheme): Promise<RequestSigner> => {
    const key = `${authScheme?.name}\n${authScheme?.signingRegion}\n${authScheme?.signingName}`;
    const kept = byScheme.get(key);
    if (kept !== undefined) return kept;
    const built = buildSigner(authScheme);
    byScheme.set(key, built);
    built.catch(() => byScheme.delete(key));
    return built;
  };
}
