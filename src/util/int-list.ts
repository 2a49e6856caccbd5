/*
 * A reusable, growable list of int32s: the ids a SCAN step or a set operation collects before it
 * replies. Kept module-level by its users and cleared per command, so a command allocates nothing
 * unless the list has to grow. `push` is a bound arrow so it can be handed to scan(cursor, emit).
 */
export class IntList {
  items = new Int32Array(64);
  length = 0;

  readonly push = (v: number): void => {
    if (this.length === this.items.length) {
      const bigger = new Int32Array(this.items.length * 2);
      bigger.set(this.items);
      this.items = bigger;
    }
    this.items[this.length++] = v;
  };

  clear(): void {
    this.length = 0;
  }
}
