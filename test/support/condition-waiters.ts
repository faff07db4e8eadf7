/**
 * Promises that resolve when a condition over recorded events holds, re-checked whenever the recorder says
 * something changed: tests wait on events, not on the clock. The test's own timeout bounds the wait.
 */
export class ConditionWaiters {
  private readonly waiting: Array<() => void> = [];

  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition()) {
          resolve();
        } else {
          this.waiting.push(check);
        }
      };
      check();
    });
  }

  /** Call after every recorded event. */
  changed(): void {
    for (const check of this.waiting.splice(0)) {
      check();
    }
  }
}
