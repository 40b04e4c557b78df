/**
 * Whose error is it, the encoder's or the decoder's? Starting from each image's code, this refits
 * the code's values against the decoder (Adam on the squared error in network units, values kept
 * ≥ 0 as the encoder's ReLU makes them, `--steps` steps), then grows each code by the `--add`
 * latent units whose gradient most wants them, and refits again, for `--rounds` rounds. Each
 * round prints the median RMS pointwise relative error of the codes as compress writes them (fp16), how many images
 * are at or under 5 %, and the median ‖z‖₀. If more, better-fitted non-zeros leave the error
 * where it was, the decoder is the limit and compress-time search cannot help.
 *
 *   deno run -A bench/latent_growth.ts --data FILE [--n 200] [--rounds 4] [--add 8] \
 *     [--steps 100] [--lr 0.01] MODEL_DIR…
 */
import * as tf from "@tensorflow/tfjs";
import { loadTrainedModel, type TrainedModel } from "../models/trained_model.ts";
import { imageErrors } from "../pipeline/image_error.ts";
import { summarize } from "../pipeline/summary_stats.ts";
import { quantizeLatent } from "../codec/sparse_code.ts";
import { modelImages } from "./_model_images.ts";

const { data, images, n, count, models, options } = await modelImages("latent_growth.ts", 200, {
  rounds: "4",
  add: "8",
  steps: "100",
  lr: "0.01",
});
const [rounds, add, steps, lr] = ["rounds", "add", "steps", "lr"].map((k) => Number(options[k]));
if (![rounds, add, steps].every((v) => Number.isInteger(v) && v >= 0) || !(lr > 0)) {
  console.error("bench/latent_growth.ts: --rounds, --add, --steps are integers ≥ 0, --lr > 0");
  Deno.exit(1);
}

const median = (v: number[]) => summarize(v)!.median;

async function report(model: TrainedModel, label: string, z: Float32Array, scales: Int16Array) {
  const ell = model.arch.ell;
  const coded = quantizeLatent(z, { f: model.arch.f, quant: "fp16" }); // as compress codes it
  const decoded = await model.decode(coded, data, scales);
  const rms: number[] = [], nonzeros: number[] = [];
  for (let i = 0; i < count; i++) {
    const slice = (a: Float32Array) => a.subarray(i * n, (i + 1) * n);
    rms.push(imageErrors(slice(images), slice(decoded)).rms_rel);
    nonzeros.push(coded.subarray(i * ell, (i + 1) * ell).filter((v) => v !== 0).length);
  }
  const within = rms.filter((v) => v <= 0.05).length;
  console.log(
    `  ${label}: median rms_rel ${median(rms).toFixed(4)}, ≤ 5 %: ${within}/${count}, ` +
      `median ‖z‖₀ ${median(nonzeros)}`,
  );
}

for (const dir of models) {
  const model = await loadTrainedModel(dir);
  const ell = model.arch.ell;
  const scales = model.scales(images, data);
  const x = tf.tensor2d(model.toNetwork(images, data), [count, n]);
  const start = await model.encode(images, data, scales);
  console.log(`${dir}, ${count} images of ${data}:`);
  await report(model, "encoder", start, scales);
  const support = Float32Array.from(start, (v) => (v !== 0 ? 1 : 0));
  const z = tf.variable(tf.tensor2d(start, [count, ell]));
  const squaredError = (code: tf.Tensor) =>
    tf.sum(tf.square(tf.sub(model.network.decode(code as tf.Tensor2D), x))) as tf.Scalar;
  const began = performance.now();
  for (let round = 0; round <= rounds; round++) {
    const mask = tf.tensor2d(support, [count, ell]);
    const adam = tf.train.adam(lr);
    for (let s = 0; s < steps; s++) {
      adam.minimize(() => squaredError(tf.mul(z, mask)), false, [z]);
      tf.tidy(() => z.assign(tf.relu(tf.mul(z, mask))));
    }
    adam.dispose();
    const seconds = ((performance.now() - began) / 1000).toFixed(0);
    await report(model, `round ${round} (${seconds} s)`, await z.data() as Float32Array, scales);
    if (round < rounds) {
      const gradient = tf.tidy(() => tf.grad(squaredError)(tf.mul(z, mask)));
      const g = await gradient.data() as Float32Array;
      gradient.dispose();
      for (let i = 0; i < count; i++) {
        const row = i * ell;
        const wanted: number[] = [];
        for (let j = 0; j < ell; j++) if (support[row + j] === 0 && g[row + j] < 0) wanted.push(j);
        wanted.sort((a, b) => g[row + a] - g[row + b]);
        for (const j of wanted.slice(0, add)) support[row + j] = 1;
      }
    }
    mask.dispose();
  }
  z.dispose();
  x.dispose();
  model.dispose();
}
