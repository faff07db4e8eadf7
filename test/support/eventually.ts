import { strict as assert } from 'node:assert';

/** Polls `done` every 20 ms, at most `attempts` times: a bounded wait on state, not on the clock. */
export async function eventually(done: () => boolean | Promise<boolean>, what: string, attempts = 500): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`never: ${what}`);
}
