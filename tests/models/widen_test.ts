import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "../fixtures/tfjs_setup.ts";
import { type Architecture, SparseAutoencoder } from "../../models/autoencoder.ts";
import { widenHidden } from "../../models/widen.ts";
import { UsageError } from "../../pipeline/errors.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";

const arch: Architecture = { n: 16, m: 4, ell: 24, lambda: 0.1, f: "z", preset: "cpu" };

/** z = e(x) and y = d(z) of `weights` on `x`, as arrays. */
function run(a: Architecture, weights: Float32Array[], x: Float32Array): [number[], number[]] {
  const model = new SparseAutoencoder(a, weights);
  try {
    return tf.tidy(() => {
      const z = model.encode(tf.tensor2d(x, [x.length / a.n, a.n]));
      return [Array.from(z.dataSync()), Array.from(model.decode(z).dataSync())];
    });
  } finally {
    model.dispose();
  }
}

async function trainedLike(seed: number): Promise<Float32Array[]> {
  const model = SparseAutoencoder.create(arch, seed);
  const weights = await model.readWeights();
  model.dispose();
  // Positive biases, so that most hidden units are active and every copy is exercised.
  const random = mulberry32(seed + 1);
  for (const i of [1, 3, 5]) weights[i].forEach((_, j) => weights[i][j] = 0.5 * random());
  return weights;
}

Deno.test("widening keeps what the network computes: the same codes and reconstructions", async () => {
  const weights = await trainedLike(3);
  const random = mulberry32(7);
  const x = Float32Array.from({ length: 5 * arch.n }, () => random() * 2 - 1);
  const [z, y] = run(arch, weights, x);
  assert.ok(z.some((v) => v > 0), "some latent units are active");
  // 7 = 4 + 3: units 0–2 get one copy each, unit 3 none (uneven counts).
  const wide = widenHidden(arch, weights, 7, 1);
  assert.equal(wide.arch.m, 7);
  assert.equal(wide.arch.preset, undefined);
  const [zw, yw] = run(wide.arch, wide.weights, x);
  zw.forEach((v, i) => assert.ok(Math.abs(v - z[i]) < 1e-5, `z[${i}]: ${v} vs ${z[i]}`));
  yw.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-5, `y[${i}]: ${v} vs ${y[i]}`));
});

Deno.test("a new unit copies its source's incoming weights; the outgoing ones are split unequally", async () => {
  const weights = await trainedLike(4);
  const { weights: w } = widenHidden(arch, weights, 8, 2);
  const [w1, b1, w2] = [w[0], w[1], w[2]];
  for (let r = 0; r < arch.n; r++) assert.equal(w1[r * 8 + 5], weights[0][r * 4 + 1]);
  assert.equal(b1[6], weights[1][2]);
  // Rows 1 and 5 of w2 (ℓ = 24 wide) are shares of the old row 1: they sum to it, unequally.
  for (let c = 0; c < arch.ell; c++) {
    const old = weights[2][1 * arch.ell + c];
    assert.ok(
      Math.abs(w2[1 * arch.ell + c] + w2[5 * arch.ell + c] - old) < 1e-6 * (1 + Math.abs(old)),
    );
  }
  const share = w2[5 * arch.ell] / weights[2][arch.ell];
  assert.ok(share > 1 / 4 && share < 3 / 4 && Math.abs(share - 0.5) > 1e-4, `share ${share}`);
  const again = widenHidden(arch, weights, 8, 2).weights;
  assert.deepEqual(again, w, "the same seed gives the same weights");
  assert.notDeepEqual(
    widenHidden(arch, weights, 8, 3).weights[2],
    w2,
    "another seed, other shares",
  );
});

Deno.test("widening refuses a width that is not wider, or too large", async () => {
  const weights = await trainedLike(5);
  for (const m of [4, 3, 4.5]) {
    assert.throws(
      () => widenHidden(arch, weights, m, 0),
      (e) =>
        e instanceof UsageError &&
        new RegExp(`--widen ${m}: must be an integer above`).test(e.message),
    );
  }
  assert.throws(
    () => widenHidden({ ...arch, n: 4096, ell: 4096 }, weights, 2 ** 16, 0),
    (e) => e instanceof UsageError && /--widen 65536: .* more than the limit/.test(e.message),
  );
});
