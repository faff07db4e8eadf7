import { strict as assert } from 'node:assert';
import { readCredentialScope } from '../../src/emulator/credential-scope';

const SIGNED_BY_THE_SDK =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260501/eu-west-1/gameliftstreams/aws4_request, ' +
  'SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-type;host;x-amz-date, ' +
  'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';

describe('emulator units: readCredentialScope', () => {
  it("reads the region and service of a SigV4 header's credential scope", () => {
    assert.deepEqual(readCredentialScope(SIGNED_BY_THE_SDK), {
      kind: 'scoped',
      region: 'eu-west-1',
      service: 'gameliftstreams',
    });
  });

  it('finds the credential wherever it stands among the parameters, and tolerates extra whitespace', () => {
    assert.deepEqual(
      readCredentialScope(
        '  AWS4-HMAC-SHA256   SignedHeaders=host,Signature=00 ,  Credential=AKID/20260501/ap-northeast-1/gameliftstreams/aws4_request ',
      ),
      { kind: 'scoped', region: 'ap-northeast-1', service: 'gameliftstreams' },
    );
  });

  it('keeps an empty region as it is, for the caller to refuse like any other region it does not serve', () => {
    assert.deepEqual(readCredentialScope('AWS4-HMAC-SHA256 Credential=AKID/20260501//gameliftstreams/aws4_request'), {
      kind: 'scoped',
      region: '',
      service: 'gameliftstreams',
    });
  });

  it('tells an absent header from a malformed one', () => {
    assert.deepEqual(readCredentialScope(undefined), { kind: 'absent' });
    for (const header of [
      '',
      'Bearer eyJhbGciOiJIUzI1NiJ9',
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00',
      'AWS4-ECDSA-P256-SHA256 Credential=AKID/20260501/gameliftstreams/aws4_request',
      'AWS4-HMAC-SHA256 Credential=AKID/20260501/us-west-2/gameliftstreams',
      'AWS4-HMAC-SHA256 Credential=AKID/20260501/us-west-2/gameliftstreams/aws4_request/extra',
      'AWS4-HMAC-SHA256 Credential=AKID/20260501/us-west-2/gameliftstreams/aws5_request',
      'aws4-hmac-sha256 Credential=AKID/20260501/us-west-2/gameliftstreams/aws4_request',
    ]) {
      assert.deepEqual(readCredentialScope(header), { kind: 'malformed' }, header);
    }
  });
});
