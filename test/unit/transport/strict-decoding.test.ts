import { strict as assert } from 'node:assert';

import { WatchStreamSessionsRequest } from '../../../src/gen/reconnect/v1/reconnect';
import {
  strictDeserializer,
  UndecodableRequest,
  WATCH_STREAM_SESSIONS_FIELDS,
} from '../../../src/transport/strict-decoding';

const deserialize = strictDeserializer(
  (bytes) => WatchStreamSessionsRequest.decode(bytes),
  WATCH_STREAM_SESSIONS_FIELDS,
);
/** stream_group_identifier = "sg-1". */
const GROUP = [0x0a, 0x04, ...Buffer.from('sg-1')];

function decoded(bytes: ReadonlyArray<number>): WatchStreamSessionsRequest {
  const result = deserialize(Buffer.from(bytes));
  assert.ok(!(result instanceof UndecodableRequest), 'expected the message to decode');
  return result;
}

function refusal(bytes: ReadonlyArray<number>): { readonly field: string; readonly description: string } {
  const result = deserialize(Buffer.from(bytes));
  assert.ok(result instanceof UndecodableRequest, 'expected the message to be refused');
  const [violation] = result.violations;
  return violation ?? assert.fail('a refusal without a violation');
}

describe('strict decoding of WatchStreamSessionsRequest', () => {
  it('takes statuses packed, as proto3 encoders send them', () => {
    assert.deepEqual(decoded([...GROUP, 0x12, 0x02, 0x04, 0x07]).statuses, [4, 7]);
  });

  it('takes statuses unpacked, one varint each, as parsers must', () => {
    assert.deepEqual(decoded([...GROUP, 0x10, 0x04, 0x10, 0x07]).statuses, [4, 7]);
  });

  it('refuses statuses with a wire type a repeated enum cannot have', () => {
    const violation = refusal([...GROUP, 0x15, 0x04, 0x00, 0x00, 0x00]);
    assert.equal(violation.field, 'statuses');
    assert.match(violation.description, /wire type 5/);
  });

  it('refuses a packed run whose last value is cut off', () => {
    assert.equal(refusal([...GROUP, 0x12, 0x02, 0x04, 0x87]).field, 'statuses');
  });

  it('refuses a stream group identifier that is not valid UTF-8', () => {
    assert.equal(refusal([0x0a, 0x02, 0xc3, 0x28]).field, 'stream_group_identifier');
  });
});
