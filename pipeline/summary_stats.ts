/**
 * Exact summary statistics of per-image values: a growable series and mean, median, min, max
 * and 5th/95th percentiles over all of it (no sketches; 150 000 doubles is 1.2 MB).
 * @module
 */

/** Mean, median, extremes and 5th/95th percentiles of a series. */
export interface Summary {
  mean: number;
  median: number;
  min: number;
  max: number;
  p05: number;
  p95: number;
}

/** A growable list of numbers stored in a Float64Array (doubling). */
export class Series {
  #values = new Float64Array(1024);
  #length = 0;

  /** Number of values pushed. */
  get length(): number {
    return this.#length;
  }

  /** Append one value. */
  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  /** The values pushed so far (a view; valid until the next push). */
  values(): Float64Array {
    return this.#values.subarray(0, this.#length);
  }
}

/**
 * Percentile `p` (0–100) of ascending `sorted` by linear interpolation between closest ranks
 * (numpy's default "linear" method: position p/100 · (n − 1)).
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const position = (p / 100) * (n - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, n - 1);
  const weight = position - below;
  return weight === 0 ? sorted[below] : sorted[below] + weight * (sorted[above] - sorted[below]);
}

/** Summary of `values`; null when empty (so no NaN ever reaches a report). */
export function summarize(values: ArrayLike<number>): Summary | null {
  const n = values.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    mean: sum / n,
    median: percentileOfSorted(sorted, 50),
    min: sorted[0],
    max: sorted[n - 1],
    p05: percentileOfSorted(sorted, 5),
    p95: percentileOfSorted(sorted, 95),
  };
}
