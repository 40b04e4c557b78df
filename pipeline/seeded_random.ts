/**
 * Seeded pseudo-random numbers, the one module every stage draws from: weight init, shuffles,
 * splits, per-purpose sub-seeds and detector noise. Each generator's output is part of the
 * project's reproducibility contract: changing one changes the bytes that runs produce.
 * @module
 */

/** Mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** SplitMix64 doubles in [0, 1) from a 64-bit state: a per-image stream (detector noise). */
export function splitMix64(seed: number): () => number {
  let s = BigInt.asUintN(64, BigInt(Math.floor(seed)) ^ 0x9e3779b97f4a7c15n);
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z ^= z >> 31n;
    return Number(z >> 11n) / 2 ** 53;
  };
}

/** A 32-bit hash of (seed, index), uniform in [0, 1): decides an image's split without state. */
export function hashUnit(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Derives a sub-seed for a named purpose (e.g. epoch 3's shuffle). */
export function subSeed(seed: number, purpose: number): number {
  return Math.floor(hashUnit(seed, purpose) * 4294967296) >>> 0;
}

/** A permutation of 0…count−1 drawn by Fisher–Yates from `seed`. */
export function seededPermutation(count: number, seed: number): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const random = mulberry32(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
