import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "../fixtures/tfjs_setup.ts";
import { resolveArchitecture, SparseAutoencoder } from "../../models/autoencoder.ts";
import { radialClasses } from "../../models/isotropy.ts";
import { sparseLoss } from "../../models/native_ops.ts";
import { fitTransform, imageScales, toNetwork } from "../../models/transform.ts";
import { sasImages } from "../fixtures/sas_images.ts";
import { imageStream as stream } from "../fixtures/image_stream.ts";
import { task } from "../fixtures/run_task.ts";
import { openModelCodec } from "../../codec/model_codec.ts";
import { decodeSqz } from "../../codec/sqz_container.ts";

Deno.test("the isotropic training loss and its gradient are those of the averaged reconstruction", () => {
  const arch = resolveArchitecture(64, { arch: "1,2", lambda: 1e-3, f: "z" });
  const model = SparseAutoencoder.create(arch, 4);
  const images = sasImages(6, 8, 9);
  const transform = fitTransform("log-image", images, 64);
  const x = tf.tensor2d(toNetwork(transform, images, imageScales(transform, images, 64)), [6, 64]);
  const classes = radialClasses(8, 8);
  const flags = Uint8Array.of(1, 0, 1, 1, 0, 1);
  const k = 0.7;
  const ours = tf.variableGrads(
    () => model.loss(x, 0.01, "log-rel", k, { flags, classes }),
    model.variables,
  );
  // The same with stock ops: flagged rows times the 64 × 64 class-averaging matrix.
  const average = new Float32Array(64 * 64);
  for (let p = 0; p < 64; p++) {
    for (let q = 0; q < 64; q++) {
      if (classes.classOf[p] === classes.classOf[q]) {
        average[p * 64 + q] = 1 / classes.size[classes.classOf[p]];
      }
    }
  }
  const a = tf.tensor2d(average, [64, 64]);
  const mask = tf.tensor2d(Float32Array.from(flags), [6, 1]);
  const reference = tf.variableGrads(() => {
    const z = model.encode(x);
    const y = model.decode(z);
    const seen = tf.add(tf.mul(mask, tf.matMul(y, a)), tf.mul(tf.sub(1, mask), y)) as tf.Tensor2D;
    return sparseLoss(seen, x, z, 0.01, "z", "log-rel", k);
  }, model.variables);
  const plain = model.loss(x, 0.01, "log-rel", k);
  const [v1, v2, v0] = [
    ours.value.dataSync()[0],
    reference.value.dataSync()[0],
    plain.dataSync()[0],
  ];
  assert.ok(Math.abs(v1 - v2) <= 1e-5 * Math.abs(v2), `loss ${v1} vs ${v2}`);
  assert.ok(Math.abs(v1 - v0) > 1e-4 * Math.abs(v0), "averaging changes the loss");
  for (const v of model.variables) {
    const g1 = ours.grads[v.name].dataSync();
    const g2 = reference.grads[v.name].dataSync();
    let most = 0, scale = 0;
    g2.forEach((w, i) => {
      most = Math.max(most, Math.abs(g1[i] - w));
      scale = Math.max(scale, Math.abs(w));
    });
    assert.ok(most <= 1e-4 * scale + 1e-9, `${v.name}: gradient off by ${most} (scale ${scale})`);
  }
  tf.dispose([x, a, mask, ours.value, reference.value, plain]);
  Object.values(ours.grads).forEach((g) => g.dispose());
  Object.values(reference.grads).forEach((g) => g.dispose());
  model.dispose();
});

Deno.test("train --isotropy is recorded, a resume must repeat it, and a global-log run refuses it", async () => {
  const dir = await Deno.makeTempDir();
  const data = await stream(`${dir}/train.ndjson`, sasImages(48, 8, 5), [8, 8]);
  const common = ["--data", data, "--epochs", "2", "--batch", "16", "--arch", "1,2"];
  const out = `${dir}/iso`;
  const run = await task("train", ...common, "--out", out, "--isotropy", "--loss", "log-rel");
  assert.equal(run.code, 0, run.stderr);
  const plain = await task("train", ...common, "--out", `${dir}/plain`);
  assert.equal(plain.code, 0, plain.stderr);
  const meta = JSON.parse(await Deno.readTextFile(`${out}/sasquash.json`));
  assert.equal(meta.training.isotropy, true);
  // Its codes flag isotropic images without being asked: the model was trained for that decoding.
  const codec = await openModelCodec(out);
  assert.equal(codec.isotropy, true);
  assert.equal(codec.header.isotropy, true);
  codec.model.dispose();
  assert.equal((await openModelCodec(`${dir}/plain`)).isotropy, false);
  // Its error-bounded files carry no flags (the bounded coder predicts with the plain decoding).
  const sqz = `${dir}/bounded.sqz`;
  const bounded = await task(
    "compress",
    "--model",
    out,
    "--in",
    data,
    "--out",
    sqz,
    "--max-rel-error",
    "0.05",
  );
  assert.equal(bounded.code, 0, bounded.stderr);
  const header = decodeSqz(await Deno.readFile(sqz)).header;
  assert.equal(header.records, "bounded");
  assert.equal(header.isotropy, undefined);
  const back = await task("decompress", "--model", out, "--in", sqz, "--out", `${dir}/back.ndjson`);
  assert.equal(back.code, 0, back.stderr);
  const resume = await task(
    "train",
    ...common,
    "--epochs",
    "3",
    "--out",
    out,
    "--resume",
    "--loss",
    "log-rel",
  );
  assert.equal(resume.code, 1, resume.stderr);
  assert.match(resume.stderr, /--isotropy true \(this run false\)/);
  const global = await task(
    "train",
    ...common,
    "--out",
    `${dir}/global`,
    "--isotropy",
    "--transform",
    "log-global",
  );
  assert.equal(global.code, 1, global.stderr);
  assert.match(global.stderr, /--isotropy .*--transform is log-global/);
  await Deno.remove(dir, { recursive: true });
});
