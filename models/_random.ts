/**
 * Seeded hashes for the validation split and per-purpose sub-seeds, so that a run (and its
 * resume) is reproducible from its seed. Private to `models/`.
 * @module
 */

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
