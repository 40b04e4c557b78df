/**
 * A floating-point sum that does not depend on the order of its terms: Shewchuk's exact partials
 * (the algorithm of Python's `math.fsum`), so sums of shards merge to the one-machine sum.
 * @module
 */

/**
 * The correctly rounded sum of every number added, whatever the order or grouping.
 * Shewchuk, "Adaptive precision floating-point arithmetic", DCG 18 (1997), as in `math.fsum`.
 * @example
 * ```ts
 * const s = new ExactSum();
 * for (const v of [1e100, 1, -1e100]) s.add(v);
 * s.value(); // 1
 * ```
 */
export class ExactSum {
  /** Non-overlapping partial sums, increasing in magnitude. */
  #partials: number[] = [];

  /** Add one finite number. */
  add(x: number): void {
    const p = this.#partials;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j];
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  /** Add everything another sum holds (exactly). */
  addAll(partials: readonly number[]): void {
    for (const v of partials) this.add(v);
  }

  /** The partials, to carry the exact sum across processes (JSON keeps doubles exactly). */
  partials(): number[] {
    return [...this.#partials];
  }

  /** The correctly rounded value of the sum. */
  value(): number {
    const p = this.#partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n], lo = 0;
    while (n > 0) {
      const x = hi, y = p[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half-even correction, as math.fsum does.
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2, x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}
