/**
 * Synthetic sparse codes for the codec's tests and benchmarks: seeded, so runs repeat.
 * @module
 */

/** Random sorted distinct indices in [0, ell) with about `expected` of them. */
export function randomIndices(rand: () => number, ell: number, expected: number): Int32Array {
  const out: number[] = [];
  const p = Math.min(1, expected / ell);
  for (let i = 0; i < ell; i++) if (rand() < p) out.push(i);
  return Int32Array.from(out);
}

/** A sparse latent of length ell with values at `indices` drawn from ±[0.01, 10). */
export function sparseLatent(
  rand: () => number,
  ell: number,
  indices: ArrayLike<number>,
): Float32Array {
  const z = new Float32Array(ell);
  for (let k = 0; k < indices.length; k++) {
    const mag = 0.01 * 1000 ** rand();
    z[indices[k]] = rand() < 0.5 ? -mag : mag;
  }
  return z;
}
