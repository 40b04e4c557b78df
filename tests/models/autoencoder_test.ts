import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "../fixtures/tfjs_setup.ts";
import {
  countNonzero,
  macsPerImage,
  resolveArchitecture,
  SparseAutoencoder,
  weightShapes,
} from "../../models/autoencoder.ts";
import { Adam } from "../../models/adam.ts";
import {
  fitLogTransform,
  fitTransform,
  imageScales,
  SCALE_STEPS_PER_DECADE,
  sideInfoBytes,
  toIntensity,
  toNetwork,
} from "../../models/transform.ts";
import { UsageError } from "../../pipeline/errors.ts";
import { sasImages } from "../fixtures/sas_images.ts";

Deno.test("presets resolve to the paper's widths (m/n, ℓ/n, λ, f)", () => {
  const paper = resolveArchitecture(4096, { preset: "paper-grad" });
  assert.deepEqual([paper.m, paper.ell, paper.lambda, paper.f], [4096, 8192, 10, "grad"]);
  const hourglass = resolveArchitecture(4096, { preset: "hourglass" });
  assert.deepEqual([hourglass.m, hourglass.ell, hourglass.lambda], [4096, 650, 0]);
  const custom = resolveArchitecture(64, {
    preset: "paper-z",
    arch: "0.5,4",
    lambda: 2,
    f: "grad",
  });
  assert.deepEqual([custom.m, custom.ell, custom.lambda, custom.f], [32, 256, 2, "grad"]);
  assert.equal(macsPerImage(paper), 2 * 4096 * 4096 + 2 * 4096 * 8192);
});

Deno.test("bad architecture flags throw UsageError naming the flag", () => {
  assert.throws(
    () => resolveArchitecture(64, { preset: "nope" }),
    (e) => e instanceof UsageError && /--preset/.test(e.message),
  );
  assert.throws(() => resolveArchitecture(64, { arch: "1" }), /--arch/);
  assert.throws(() => resolveArchitecture(64, { f: "abs" }), /--f/);
  assert.throws(() => resolveArchitecture(64, { lambda: -1 }), /--lambda/);
});

Deno.test("the log transform inverts exactly above its floor", () => {
  const images = sasImages(4);
  const t = fitLogTransform(images);
  const back = toIntensity(t, toNetwork(t, images));
  assert.ok(maxRelativeDifference(back, images) < 1e-5);
  const network = toNetwork(t, images);
  const mean = network.reduce((s, v) => s + v, 0) / network.length;
  assert.ok(Math.abs(mean) < 1e-4, `standardized mean ${mean}`);
});

Deno.test("countNonzero counts exact zeros of z and of its finite difference", () => {
  const z = new Float32Array([0, 0, 2, 2, 3, /* row 2 */ 1, 1, 1, 1, 0]);
  assert.equal(countNonzero(z, 5, "z"), 3 + 4);
  assert.equal(countNonzero(z, 5, "grad"), 2 + 1);
});

Deno.test("fused in-place Adam equals Adam written as tfjs ops", async () => {
  const arch = resolveArchitecture(16, { arch: "1,2", lambda: 0.1, f: "grad" });
  const x = tf.tensor2d(sasImages(8, 4).map(Math.log10), [8, 16]);
  const run = async (fused: boolean) => {
    const model = SparseAutoencoder.create(arch, 3);
    const adam = new Adam(model.variables, { learningRate: 1e-2 });
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => model.loss(x, arch.lambda), model.variables);
        adam.apply(model.variables.map((v) => grads[v.name]), fused);
      });
    }
    const weights = await model.readWeights();
    const state = await adam.state();
    adam.dispose();
    model.dispose();
    return { weights, state };
  };
  const fused = await run(true);
  const ops = await run(false);
  assert.equal(fused.state.step, 5);
  fused.weights.forEach((w, i) =>
    assert.ok(maxRelativeDifference(w, ops.weights[i]) < 1e-4, `weight ${i}`)
  );
  fused.state.v.forEach((v, i) =>
    assert.ok(maxRelativeDifference(v, ops.state.v[i]) < 1e-4, `v ${i}`)
  );
  const initial = SparseAutoencoder.create(arch, 3);
  assert.ok(
    maxRelativeDifference(fused.weights[0], (await initial.readWeights())[0]) > 1e-3,
    "weights moved",
  );
  initial.dispose();
  x.dispose();
});

Deno.test("a tiny net lowers its loss and yields exact zeros in z", () => {
  const arch = resolveArchitecture(64, { arch: "1,2", lambda: 0.05, f: "z" });
  const images = sasImages(64, 8, 5);
  const t = fitLogTransform(images);
  const x = tf.tensor2d(toNetwork(t, images), [64, 64]);
  const model = SparseAutoencoder.create(arch, 1);
  const adam = new Adam(model.variables, { learningRate: 3e-3 });
  const losses: number[] = [];
  for (let step = 0; step < 60; step++) {
    losses.push(tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => model.loss(x, arch.lambda), model.variables);
      adam.apply(model.variables.map((v) => grads[v.name]));
      return value.dataSync()[0];
    }));
  }
  assert.ok(losses.at(-1)! < 0.2 * losses[0], `loss ${losses[0]} → ${losses.at(-1)}`);
  const z = tf.tidy(() => model.encode(x).dataSync().slice());
  const zeros = z.length - countNonzero(z as Float32Array, arch.ell, "z");
  assert.ok(zeros > 0.2 * z.length, `only ${zeros} of ${z.length} latents are exactly zero`);
  assert.deepEqual(weightShapes(arch)[2], [64, 128]);
  adam.dispose();
  model.dispose();
  x.dispose();
});

Deno.test("per-image transforms carry each image's offset and invert exactly", () => {
  const images = sasImages(6);
  // Scale each image by its own decade so that offsets differ by whole decades.
  for (let k = 0; k < 6; k++) {
    for (let i = k * 64; i < (k + 1) * 64; i++) images[i] *= 10 ** (3 * k - 6);
  }
  const log = fitTransform("log-image", images, 64);
  assert.equal(log.kind, "log10-per-image");
  const scales = imageScales(log, images, 64);
  for (let k = 0; k < 6; k++) {
    let mean = 0;
    for (let i = k * 64; i < (k + 1) * 64; i++) mean += Math.log10(images[i]) / 64;
    // The offset is the image's mean log10 intensity on a 1/256-decade grid.
    assert.equal(scales[k], Math.round(mean * SCALE_STEPS_PER_DECADE), `image ${k}`);
  }
  assert.equal(scales[5] - scales[0] > 14 * SCALE_STEPS_PER_DECADE, true);
  const network = toNetwork(log, images, scales);
  // Offsets removed: every image's network values are centred near 0 (within the rounding).
  for (let k = 0; k < 6; k++) {
    const mean = network.subarray(k * 64, (k + 1) * 64).reduce((s, v) => s + v, 0) / 64;
    assert.ok(
      Math.abs(mean) <= 0.5 / SCALE_STEPS_PER_DECADE / log.std + 1e-6,
      `image ${k} mean ${mean}`,
    );
  }
  assert.ok(maxRelativeDifference(toIntensity(log, network, scales), images) < 1e-5);

  const linear = fitTransform("linear-max", images, 64);
  const s = imageScales(linear, images, 64);
  const x = toNetwork(linear, images, s);
  for (let k = 0; k < 6; k++) {
    const max = Math.max(...x.subarray(k * 64, (k + 1) * 64));
    assert.ok(max <= 1 && max > 10 ** (-1 / SCALE_STEPS_PER_DECADE) - 1e-6, `image ${k}: ${max}`);
  }
  assert.ok(maxRelativeDifference(toIntensity(linear, x, s), images) < 1e-6);
  assert.equal(sideInfoBytes(log), 2);
  assert.equal(sideInfoBytes(fitTransform("log-global", images, 64)), 0);
  assert.throws(() => toIntensity(log, network), /needs per-image scales/);
  // Any finite float32 fits the side information: an image near float32's top and one of
  // subnormals (a generator image's mean log10 I reached 17.5 decades, beyond a finer grid).
  const extremes = new Float32Array(128);
  extremes.fill(3e38, 0, 64);
  extremes.fill(1e-44, 64, 128);
  const far = imageScales({ kind: "log10-per-image", floor: 1e-45, std: 1 }, extremes, 64);
  assert.deepEqual(Array.from(far), [
    Math.round(Math.log10(3e38) * 256),
    Math.round(Math.log10(Math.fround(1e-44)) * 256),
  ]);
  const back = toIntensity(
    linear,
    toNetwork(linear, extremes, imageScales(linear, extremes, 64)),
    imageScales(linear, extremes, 64),
  );
  assert.ok(maxRelativeDifference(back.subarray(0, 64), extremes.subarray(0, 64)) < 1e-6);
});

Deno.test("resolveArchitecture() refuses widths whose weights would not fit in memory", () => {
  assert.throws(
    () => resolveArchitecture(4096, { arch: "100,100" }),
    (e: Error) =>
      e instanceof UsageError &&
      /^--arch: widths m = 409600, l = 409600 for 4096-pixel images need \d+ weights, more than the limit 134217728$/
        .test(e.message),
  );
  assert.equal(resolveArchitecture(4096, { arch: "1,2" }).ell, 8192);
});
