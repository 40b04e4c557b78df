/** Seeded permutations for dataset splits and epoch shuffles. @module */
import { mulberry32 } from "../pipeline/seeded_random.ts";

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
