/**
 * Per-image squared error of trained models in the network's own units (what training minimizes):
 * over the first `--n` images of a stream, each image's mean over pixels of (d(e(x)) − x)², then
 * the median, mean and p95 over images, and the λ·‖f(z)‖₁ term of the loss. Run it on training
 * images and on new ones to tell a model-limited error (equal medians) from a data-limited one.
 *
 *   deno run -A bench/model_mse.ts --data FILE [--n 1000] MODEL_DIR…
 */
import { loadTrainedModel } from "../models/trained_model.ts";
import { modelImages } from "./_model_images.ts";

const { data, images, n, count, models } = await modelImages("model_mse.ts", 1000);
for (const dir of models) {
  const model = await loadTrainedModel(dir);
  const x = model.toNetwork(images, data);
  const z = await model.encodeNetwork(x, count);
  const y = await model.decodeNetwork(z, count);
  const perImage = Array.from({ length: count }, (_, i) => {
    let sum = 0;
    for (let p = i * n; p < (i + 1) * n; p++) sum += (y[p] - x[p]) ** 2;
    return sum / n;
  }).sort((a, b) => a - b);
  let l1 = 0;
  for (const v of z) l1 += Math.abs(v);
  const mean = perImage.reduce((a, b) => a + b, 0) / count;
  console.log(
    `${dir} on ${count} images of ${data}: MSE median ${perImage[count >> 1].toPrecision(3)}, ` +
      `mean ${mean.toPrecision(3)}, p95 ${perImage[Math.floor(count * 0.95)].toPrecision(3)}; ` +
      `λ·‖z‖₁ term ${(model.arch.lambda * l1 / (count * n)).toPrecision(2)}`,
  );
  model.dispose();
}
