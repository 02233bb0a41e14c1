/**
 * Runs tasks with the same key one after another (in arrival order) and tasks with different keys in
 * parallel. Payment queues every write to one user's balance here: within one instance, a burst on one
 * balance then costs one Postgres round of work per request instead of a storm of optimistic retries
 * (under a burst most attempts would lose and redo their work). The version check still guards the row
 * against the other instances; only those conflicts are left for the retries.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget the key once its last task is done, so the map holds only users with work in flight.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
