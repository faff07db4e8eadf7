import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import { CallerRegistry } from '../../../src/security/callers-file';
import { CallersFixture, randomToken } from '../../support/callers-fixture';

describe('CallerRegistry (the callers file as loaded, reloaded on SIGHUP)', () => {
  let fixture: CallersFixture;
  const tokenA = randomToken();
  const tokenB = randomToken();

  beforeEach(async () => {
    fixture = await CallersFixture.create([{ name: 'matchmaker', token: tokenA, streamGroups: ['*'] }]);
  });
  afterEach(async () => {
    await fixture.remove();
  });

  it("knows nobody before the first load, then the file's callers", async () => {
    const registry = new CallerRegistry(fixture.path);
    assert.equal(registry.current(), undefined);
    assert.deepEqual(await registry.reload(), E.right(1));
    assert.equal(registry.current()?.findByToken(tokenA)?.name, 'matchmaker');
  });

  it('a reload swaps in the new file: the old token stops working, the new one works', async () => {
    const registry = new CallerRegistry(fixture.path);
    await registry.reload();
    await fixture.write([
      { name: 'matchmaker', token: tokenB, streamGroups: ['sg-1'] },
      { name: 'lobby', certificateNames: ['lobby.internal'], streamGroups: ['*'] },
    ]);
    assert.deepEqual(await registry.reload(), E.right(2));
    assert.equal(registry.current()?.findByToken(tokenA), undefined);
    assert.equal(registry.current()?.findByToken(tokenB)?.name, 'matchmaker');
    assert.deepEqual(registry.current()?.findByToken(tokenB)?.grants, [{ _tag: 'StreamGroupId', id: 'sg-1' }]);
  });

  it('a file that fails to load is reported and the previous one stays in force', async () => {
    const registry = new CallerRegistry(fixture.path);
    await registry.reload();
    const before = registry.current();
    await fixture.writeText('{"callers": [');
    const outcome = await registry.reload();
    assert.ok(E.isLeft(outcome) && /not valid JSON/.test(outcome.left));
    assert.equal(registry.current(), before);
    assert.equal(registry.current()?.findByToken(tokenA)?.name, 'matchmaker');
    await fixture.remove();
    const missing = await registry.reload();
    assert.ok(E.isLeft(missing) && /ENOENT/.test(missing.left));
    assert.equal(registry.current(), before);
  });

  it('without a callers file: nothing to load, and no directory', async () => {
    const registry = new CallerRegistry(undefined);
    assert.deepEqual(await registry.reload(), E.right(0));
    assert.equal(registry.current(), undefined);
  });
});
