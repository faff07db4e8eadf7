import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import * as E from 'fp-ts/Either';

import { CallerDirectory } from '../../../src/security/authentication';
import { loadCallersFile } from '../../../src/security/callers-file';
import { callersFileJson, randomToken, sha256Hex } from '../../support/callers-fixture';

// The module object itself (not an import's copy of it), so the test can watch the comparisons made through it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object, as explained above.
import nodeCrypto = require('node:crypto');

const GROUP = 'sg-1AB2C3De4';
const GROUP_ARN = `arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/${GROUP}`;

describe('callers file', () => {
  let directory: string;
  let counter = 0;

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'reconnect-callers-unit-'));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function load(text: string): Promise<E.Either<string, CallerDirectory>> {
    counter += 1;
    const file = path.join(directory, `callers-${counter}.json`);
    await writeFile(file, text);
    return loadCallersFile(file);
  }

  async function problem(text: string): Promise<string> {
    const loaded = await load(text);
    assert.ok(E.isLeft(loaded), 'the file should have been refused');
    return loaded.left;
  }

  describe('loading', () => {
    it('loads token and certificate callers with their grants', async () => {
      const matchmaker = randomToken();
      const loaded = await load(
        callersFileJson([
          { name: 'matchmaker', token: matchmaker, streamGroups: [GROUP, GROUP_ARN, '*'] },
          { name: 'lobby', certificateNames: ['lobby.internal', 'spiffe://example.org/lobby'], streamGroups: [GROUP] },
        ]),
      );
      assert.ok(E.isRight(loaded), E.isLeft(loaded) ? loaded.left : '');
      const callers = loaded.right;
      assert.equal(callers.size(), 3);
      assert.deepEqual(callers.findByToken(matchmaker), {
        name: 'matchmaker',
        grants: [
          { _tag: 'StreamGroupId', id: GROUP },
          { _tag: 'StreamGroupArn', region: 'us-west-2', accountId: '111122223333', id: GROUP },
          { _tag: 'AnyStreamGroup' },
        ],
      });
      assert.equal(callers.findByCertificateNames(['spiffe://example.org/lobby'])?.name, 'lobby');
      assert.equal(callers.findByCertificateNames(['nobody.internal']), undefined);
    });

    it('accepts an empty list of callers (nobody may call)', async () => {
      const loaded = await load('{"callers":[]}');
      assert.ok(E.isRight(loaded) && loaded.right.size() === 0);
    });

    it('names a file it cannot read, with the reason but nothing of its contents', async () => {
      const missing = path.join(directory, 'missing.json');
      const loaded = await loadCallersFile(missing);
      assert.deepEqual(loaded, E.left(`cannot read callers file ${missing} (ENOENT)`));
    });

    it('refuses text that is not JSON, without quoting it', async () => {
      const text = '{"callers": [ {"name": "matchmaker", "tokenSha256": "secret-looking-text"';
      const message = await problem(text);
      assert.match(message, /is not valid JSON/);
      assert.ok(!message.includes('secret-looking-text'));
    });

    it('refuses a file without a callers list', async () => {
      assert.match(await problem('{"caller":[]}'), /callers/);
      assert.match(await problem('[]'), /invalid callers file/);
    });

    const badDigests: ReadonlyArray<[string, string]> = [
      ['upper case', sha256Hex('x').toUpperCase()],
      ['too short', sha256Hex('x').slice(0, 63)],
      ['not hex', 'g'.repeat(64)],
      ['the token itself', randomToken()],
    ];
    for (const [what, digest] of badDigests) {
      it(`refuses a tokenSha256 that is ${what}`, async () => {
        const message = await problem(
          JSON.stringify({ callers: [{ name: 'matchmaker', tokenSha256: digest, streamGroups: ['*'] }] }),
        );
        assert.match(message, /callers\.0\.tokenSha256: must be the lowercase hex SHA-256 of the token/);
      });
    }

    it('refuses a bad grant, naming where it is', async () => {
      const message = await problem(
        JSON.stringify({
          callers: [
            { name: 'matchmaker', tokenSha256: sha256Hex('a'), streamGroups: [GROUP, 'sg_bad!', `${GROUP_ARN}/x`] },
          ],
        }),
      );
      assert.match(message, /callers\.0\.streamGroups\.1: must be "\*", a stream group ID, or a stream group ARN/);
      assert.match(message, /callers\.0\.streamGroups\.2: must be "\*"/);
      assert.ok(!/streamGroups\.0/.test(message), message);
    });

    it('refuses an entry with no credential at all', async () => {
      const message = await problem(
        JSON.stringify({
          callers: [
            { name: 'ghost', streamGroups: ['*'] },
            { name: 'shade', certificateNames: [], streamGroups: ['*'] },
          ],
        }),
      );
      assert.match(message, /callers without a tokenSha256 or certificateNames: ghost, shade/);
    });

    it("refuses a name used twice, which would let one entry's credential carry the other's grants", async () => {
      const message = await problem(
        callersFileJson([
          { name: 'lobby', token: randomToken(), streamGroups: [GROUP] },
          { name: 'lobby', certificateNames: ['lobby.internal'], streamGroups: ['*'] },
        ]),
      );
      assert.match(message, /caller names used more than once: lobby/);
    });

    it('refuses a token or a certificate name given to two callers, without printing the digest', async () => {
      const shared = randomToken();
      const message = await problem(
        callersFileJson([
          { name: 'a', token: shared, certificateNames: ['shared.internal'], streamGroups: [GROUP] },
          { name: 'b', token: shared, certificateNames: ['shared.internal'], streamGroups: ['*'] },
        ]),
      );
      assert.match(message, /the same tokenSha256 is given to more than one caller/);
      assert.match(message, /certificate names given to more than one caller: shared\.internal/);
      assert.ok(!message.includes(sha256Hex(shared)));
    });

    it('names every problem of the file at once', async () => {
      const message = await problem(
        JSON.stringify({
          callers: [
            { name: 'bad name!', tokenSha256: 'nope', streamGroups: ['sg_1'] },
            { name: 'ok', tokenSha256: sha256Hex('b'), certificateNames: ['has space'], streamGroups: 'sg-1' },
            { tokenSha256: sha256Hex('c'), streamGroups: [] },
          ],
        }),
      );
      for (const where of [
        'callers.0.name',
        'callers.0.tokenSha256',
        'callers.0.streamGroups.0',
        'callers.1.certificateNames.0',
        'callers.1.streamGroups',
        'callers.2.name',
      ]) {
        assert.ok(message.includes(`  ${where}: `), `${where} should be named in:\n${message}`);
      }
    });
  });

  describe('CallerDirectory.findByToken', () => {
    const tokens = Array.from({ length: 5 }, () => randomToken());
    const directoryOf = (): CallerDirectory =>
      new CallerDirectory(
        tokens.map((token, index) => ({
          name: `caller-${index}`,
          tokenSha256: sha256Hex(token),
          streamGroups: [{ _tag: 'AnyStreamGroup' }],
        })),
      );

    it('finds the caller whose digest matches, wherever it is in the file', () => {
      const callers = directoryOf();
      tokens.forEach((token, index) => assert.equal(callers.findByToken(token)?.name, `caller-${index}`));
    });

    it('finds nobody for an unknown token, a near miss, or a known digest sent as the token', () => {
      const callers = directoryOf();
      const [first = ''] = tokens;
      assert.equal(callers.findByToken(randomToken()), undefined);
      assert.equal(callers.findByToken(`${first}x`), undefined);
      assert.equal(callers.findByToken(first.slice(0, -1)), undefined);
      assert.equal(callers.findByToken(sha256Hex(first)), undefined);
      assert.equal(callers.findByToken(''), undefined);
    });

    it('compares the digest with every entry in constant time, without stopping at a match', () => {
      const callers = directoryOf();
      const original = nodeCrypto.timingSafeEqual;
      const compared: Array<[number, number]> = [];
      const spy = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
        compared.push([a.byteLength, b.byteLength]);
        return original(a, b);
      };
      Object.defineProperty(nodeCrypto, 'timingSafeEqual', { value: spy, writable: true, configurable: true });
      try {
        for (const token of [tokens[0] ?? '', tokens[4] ?? '', randomToken()]) {
          compared.length = 0;
          callers.findByToken(token);
          assert.equal(compared.length, tokens.length, 'every entry is compared, found or not');
          assert.ok(
            compared.every(([a, b]) => a === 32 && b === 32),
            'digests, never the raw token, are compared',
          );
        }
      } finally {
        Object.defineProperty(nodeCrypto, 'timingSafeEqual', { value: original, writable: true, configurable: true });
      }
    });
  });
});
