/** Seeded PRNG (mulberry32) so that random tests are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
