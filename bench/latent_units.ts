/**
 * Which latent units a trained model uses: over the first `--n` images of a stream, how many of
 * the ℓ units are non-zero on at least one image, and the mean ‖z‖₀ per image. A unit that is zero
 * on every image is dead (ReLU), so a collapsed latent shows here, not in the loss.
 *
 *   deno run -A bench/latent_units.ts --data train.ndjson.gz [--n 4096] runs/A [runs/B …]
 */
import { loadTrainedModel } from "../models/trained_model.ts";
import { modelImages } from "./_model_images.ts";

const { data, images, n, count, models } = await modelImages("latent_units.ts", 4096);
for (const dir of models) {
  const model = await loadTrainedModel(dir);
  const ell = model.arch.ell;
  const live = new Uint8Array(ell);
  let nonzero = 0;
  for (let start = 0; start < images.length; start += 256 * n) {
    const z = await model.encode(images.subarray(start, start + 256 * n), data);
    for (let i = 0; i < z.length; i++) if (z[i] !== 0) live[i % ell] = 1, nonzero++;
  }
  const used = live.reduce((s, v) => s + v, 0);
  console.log(
    `${dir}: ${used} of ${ell} latent units non-zero on some of ${count} images; ` +
      `mean ‖z‖₀ ${(nonzero / count).toFixed(1)}`,
  );
  model.dispose();
}
