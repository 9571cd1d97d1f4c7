/**
 * Runs CPU-bound jobs (parsing large request bodies) one per turn of the event loop, in arrival
 * order. JSON.parse cannot be interrupted: when eight large bodies arrive together, parsing them
 * back to back would keep every small request waiting for all eight. Here each job runs in its
 * own `setImmediate` turn, and the I/O of other requests is served between two jobs, so a small
 * request waits for at most one large parse.
 */
export class TurnQueue {
  private readonly jobs: (() => void)[] = [];
  private scheduled = false;

  /** Jobs waiting for their turn. */
  get waiting(): number {
    return this.jobs.length;
  }

  /** Runs `job` in a later turn; resolves with its result or rejects with what it threw. */
  run<T>(job: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push(() => {
        try {
          resolve(job());
        } catch (error) {
          reject(error as Error);
        }
      });
      if (!this.scheduled) this.schedule();
    });
  }

  private schedule(): void {
    this.scheduled = true;
    setImmediate(() => {
      this.jobs.shift()?.();
      if (this.jobs.length > 0) this.schedule();
      else this.scheduled = false;
    });
  }
}
