import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "../fixtures/tfjs_setup.ts";
import { keepTopK, topKMask } from "../../models/top_k.ts";
import { resolveArchitecture, SparseAutoencoder } from "../../models/autoencoder.ts";
import { loadMeta, saveModel } from "../../models/model_io.ts";
import { TrainedModelError, UsageError } from "../../pipeline/errors.ts";
import { loadTrainedModel } from "../../models/trained_model.ts";
import { sasImages } from "../fixtures/sas_images.ts";
import { imageStream } from "../fixtures/image_stream.ts";
import { task } from "../fixtures/run_task.ts";

const trainTask = (...args: string[]) => task("train", ...args);

Deno.test("topKMask keeps each row's k largest positives, ties to the lower index, never zeros", () => {
  const z = Float32Array.of(
    ...[0, 3, 1, 3, 2, -1], // two 3s, then 2
    ...[1, 1, 1, 1, 0, 0], // four-way tie
    ...[0, 0, 5, -2, 0, 0], // one positive, fewer than k
    ...[-1, -1, -1, -1, -1, -1], // none
  );
  assert.deepEqual(
    [...topKMask(z, 6, 2)],
    [0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  );
  assert.deepEqual([...topKMask(z, 6, 3)].slice(0, 12), [0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0]);
  // The k-th value with a tie above it: 9, 7, 7 and k = 2 keeps 9 and the first 7.
  assert.deepEqual([...topKMask(Float32Array.of(7, 9, 7), 3, 2)], [1, 1, 0]);
});

Deno.test("keepTopK passes the gradient through the kept entries only", () => {
  const z = tf.tensor2d([[0.5, 2, -1, 1.5], [3, 0, 0.25, 0.1]]);
  const w = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]);
  const kept = keepTopK(z, 2);
  assert.deepEqual([...kept.dataSync()], [0, 2, -0, 1.5, 3, 0, 0.25, 0]);
  const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(keepTopK(x as tf.Tensor2D, 2), w)))(z);
  assert.deepEqual([...grad.dataSync()], [0, 2, 0, 4, 5, 0, 7, 0]);
});

Deno.test("a top-k autoencoder encodes at most k non-zeros per image, the unrestricted largest", () => {
  const free = resolveArchitecture(64, { arch: "0.5,2", lambda: 0 });
  const images = tf.tensor2d(sasImages(12, 8, 2).map((v) => Math.log10(v)), [12, 64]);
  const net = SparseAutoencoder.create(free, 7);
  const all = net.encode(images).dataSync() as Float32Array;
  const sparse = new SparseAutoencoder(
    { ...free, topk: 5 },
    net.variables.map((v) => v.dataSync() as Float32Array),
  );
  const z = sparse.encode(images).dataSync() as Float32Array;
  for (let row = 0; row < 12; row++) {
    const mine = z.subarray(row * 128, (row + 1) * 128);
    const theirs = all.subarray(row * 128, (row + 1) * 128);
    const kept = [...mine].filter((v) => v !== 0);
    assert.equal(kept.length, Math.min(5, [...theirs].filter((v) => v > 0).length));
    const largest = [...theirs].sort((a, b) => b - a).slice(0, kept.length);
    assert.deepEqual(kept.sort((a, b) => b - a), largest);
  }
});

Deno.test("--topk outside [1, ℓ] is a UsageError; a model file with a bad topk a TrainedModelError", async () => {
  for (const topk of [0, 2.5, 129]) {
    assert.throws(
      () => resolveArchitecture(64, { arch: "0.5,2", topk }),
      (e: Error) =>
        e instanceof UsageError && /^--topk: must be an integer from 1 to ℓ = 128/.test(e.message),
    );
  }
  const dir = await Deno.makeTempDir();
  const arch = resolveArchitecture(64, { arch: "0.5,2", topk: 4 });
  const net = SparseAutoencoder.create(arch, 1);
  const meta = {
    format: "sasquash-model" as const,
    version: 1 as const,
    architecture: arch,
    image_shape: [8, 8],
    transform: { kind: "log10-per-image" as const, floor: 1e-3, std: 1 },
    data: { header_sha256: "" },
  };
  await saveModel(dir, meta, await net.readWeights());
  assert.equal((await loadMeta(dir)).architecture.topk, 4);
  await saveModel(dir, { ...meta, architecture: { ...arch, topk: 200 } }, await net.readWeights());
  await assert.rejects(
    loadMeta(dir),
    (e: Error) =>
      e instanceof TrainedModelError &&
      e.message ===
        `${dir}/sasquash.json: architecture.topk must be an integer from 1 to architecture.ell = 128`,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("train --topk K: the model's codes have at most K non-zeros, and a resume must repeat it", async () => {
  const dir = await Deno.makeTempDir();
  const pixels = sasImages(48, 8, 3);
  const data = await imageStream(`${dir}/train.ndjson`, pixels, [8, 8]);
  const common = ["--data", data, "--out", `${dir}/run`, ..."--arch 1,2 --lambda 0".split(" ")];
  const result = await trainTask(...common, "--topk", "3", "--epochs", "1", "--batch", "16");
  assert.equal(result.code, 0, result.stderr);
  const model = await loadTrainedModel(`${dir}/run`);
  assert.equal(model.arch.topk, 3);
  const z = await model.encode(pixels);
  for (let row = 0; row < 48; row++) {
    const nonzero = z.subarray(row * 128, (row + 1) * 128).filter((v) => v !== 0).length;
    assert.ok(nonzero >= 1 && nonzero <= 3, `image ${row}: ${nonzero} non-zeros`);
  }
  model.dispose();
  const resume = await trainTask(
    ...common,
    "--topk",
    "4",
    "--epochs",
    "2",
    "--batch",
    "16",
    "--resume",
  );
  assert.equal(resume.code, 1);
  assert.match(
    resume.stderr,
    /--resume: .*checkpoint\.bin was written with --topk 3 \(this run 4\)/,
  );
  await Deno.remove(dir, { recursive: true });
});
