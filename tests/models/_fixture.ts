/**
 * A small SAS-like fixture: Guinier-plus-Porod intensities on a side×side detector,
 * I(q) = A·exp(−q²R²/3) + B·q⁻⁴ + c, spanning several decades like real SAS images.
 * @module
 */
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { train } from "../../models/trainer.ts";
import { resolveArchitecture } from "../../models/autoencoder.ts";

/** `count` images of side×side pixels from `seed`, laid out [count × side²]. */
export function sasImages(count: number, side = 8, seed = 1): Float32Array {
  const random = mulberry32(seed);
  const n = side * side;
  const out = new Float32Array(count * n);
  for (let k = 0; k < count; k++) {
    const radius = 20 + 60 * random();
    const porod = 1e-6 * (1 + random());
    const amplitude = 10 ** (1 + 2 * random());
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const q = 0.005 + 0.05 * Math.hypot(x - side / 2 + 0.5, y - side / 2 + 0.5) / side;
        // Guinier (exp(−q²R²/3)) plus Porod (q⁻⁴) plus flat background.
        out[k * n + y * side + x] = amplitude * Math.exp(-q * q * radius * radius / 3) +
          porod * q ** -4 + 1e-3;
      }
    }
  }
  return out;
}

/** An image source that yields `images` in chunks of `chunk` images, fresh on every call. */
export function chunkedSource(images: Float32Array, n: number, chunk = 16) {
  return async function* () {
    for (let i = 0; i < images.length; i += chunk * n) {
      await Promise.resolve();
      yield images.slice(i, Math.min(images.length, i + chunk * n));
    }
  };
}

/** Trains a tiny model on 8×8 `images` into `out` (2 epochs, λ = 1e-3, f = z): for task tests. */
export async function trainTiny(
  images: Float32Array,
  out: string,
  seed: number,
  arch = "1,2",
): Promise<void> {
  await train(chunkedSource(images, 64), {
    out,
    arch: resolveArchitecture(64, { arch, lambda: 1e-3, f: "z" }),
    imageShape: [8, 8],
    epochs: 2,
    batch: 16,
    learningRate: 1e-3,
    valFraction: 0.25,
    seed,
  });
}
