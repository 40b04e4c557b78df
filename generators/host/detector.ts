/** Detector effects applied after the model: Poisson counting noise. @module */
import { splitMix64 } from "../../pipeline/seeded_random.ts";

/** A Poisson(mean) draw: Knuth's product method for small means, PTRS-free normal approx beyond 500. */
export function poisson(mean: number, uniform: () => number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0, p = uniform();
    while (p > limit) {
      k++;
      p *= uniform();
    }
    return k;
  }
  // Split large means into a sum of independent Poisson(≤30) draws when moderate, else normal.
  if (mean < 500) {
    let k = 0, rest = mean;
    while (rest > 0) {
      const part = Math.min(rest, 29);
      k += poisson(part, uniform);
      rest -= part;
    }
    return k;
  }
  const u1 = Math.max(uniform(), 1e-300), u2 = uniform();
  const gauss = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss));
}

/**
 * Replace intensities by Poisson counts, scaled back to intensity units: `flux` is the expected
 * count at the brightest pixel. Deterministic for a given seed.
 */
export function applyPoissonNoise(image: Float32Array, flux: number, seed: number): void {
  let max = 0;
  for (let i = 0; i < image.length; i++) if (image[i] > max) max = image[i];
  if (!(max > 0)) return;
  const uniform = splitMix64(seed);
  const perCount = max / flux;
  for (let i = 0; i < image.length; i++) {
    image[i] = poisson(image[i] / perCount, uniform) * perCount;
  }
}
