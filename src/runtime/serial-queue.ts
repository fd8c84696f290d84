/**
 * Runs async tasks one at a time in call order: the per-actor queue that keeps two sends in one process from
 * computing their step from the same snapshot. A task that rejects rejects its own caller only.
 */

const ignore = (): void => undefined;

/** A FIFO of async tasks, one running at a time. */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();

  /** Runs `task` after every task queued before it; settles as `task` does. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.then(ignore, ignore);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void> {
    return this.#tail;
  }
}
