/**
 * Which latent units a trained model uses: over the first `--n` images of a stream, how many of
 * the ℓ units are non-zero on at least one image, and the mean ‖z‖₀ per image. A unit that is zero
 * on every image is dead (ReLU), so a collapsed latent shows here, not in the loss.
 *
 *   deno run -A bench/latent_units.ts --data train.ndjson.gz [--n 4096] runs/A [runs/B …]
 */
import { parseArgs } from "node:util";
import { selectBackend } from "../models/backend.ts";
import { loadTrainedModel } from "../models/trained_model.ts";
import { readRecords } from "../pipeline/record_stream.ts";
import { firstItems } from "../pipeline/batch_stream.ts";
import { chunkToFloat32 } from "../pipeline/record_format.ts";

const { values, positionals } = parseArgs({
  options: { data: { type: "string" }, n: { type: "string", default: "4096" } },
  allowPositionals: true,
});
const limit = Number(values.n);
if (!values.data || positionals.length === 0 || !(Number.isInteger(limit) && limit > 0)) {
  console.error("usage: deno run -A bench/latent_units.ts --data FILE [--n N] MODEL_DIR…");
  Deno.exit(1);
}
await selectBackend("cpu");
const { header, chunks } = await readRecords(values.data);
const n = header.shape.reduce((p, d) => p * d, 1);
const images = await firstItems(
  (async function* () {
    for await (const chunk of chunks) yield chunkToFloat32(chunk, header.shape, values.data!);
  })(),
  limit,
  n,
);
const count = images.length / n;
for (const dir of positionals) {
  const model = await loadTrainedModel(dir);
  const ell = model.arch.ell;
  const live = new Uint8Array(ell);
  let nonzero = 0;
  for (let start = 0; start < images.length; start += 256 * n) {
    const z = await model.encode(images.subarray(start, start + 256 * n), values.data);
    for (let i = 0; i < z.length; i++) if (z[i] !== 0) live[i % ell] = 1, nonzero++;
  }
  const used = live.reduce((s, v) => s + v, 0);
  console.log(
    `${dir}: ${used} of ${ell} latent units non-zero on some of ${count} images; ` +
      `mean ‖z‖₀ ${(nonzero / count).toFixed(1)}`,
  );
  model.dispose();
}
