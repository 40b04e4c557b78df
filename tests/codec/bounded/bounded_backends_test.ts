import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  decodeBounded,
  encodeBounded,
  type ErrorBound,
} from "../../../codec/bounded/bounded_codec.ts";
import { nativeKernelsActive, setNativeKernels } from "../../../models/native_kernels.ts";
import { mulberry32 } from "../../../pipeline/seeded_random.ts";

await tf.setBackend("cpu");
(tf.backend() as unknown as { firstUse: boolean }).firstUse = false;

const H = 48;
const W = 48;
const LATENT = 64;

/**
 * A decoder-like prediction, I = 10^(z·Wd + b) in float32, computed with stock tfjs kernels or
 * with the native OpenBLAS ones (different summation order, so the last bits differ).
 */
function predict(native: boolean): Float32Array {
  setNativeKernels(native);
  const rand = mulberry32(21);
  const z = tf.tensor2d(Float32Array.from({ length: LATENT }, () => rand() - 0.5), [1, LATENT]);
  const wd = tf.tensor2d(
    Float32Array.from({ length: LATENT * H * W }, () => 0.5 * (rand() - 0.5)),
    [LATENT, H * W],
  );
  const b = tf.tensor1d(Float32Array.from({ length: H * W }, () => 2 * rand() - 3));
  const out = tf.tidy(() => tf.pow(10, tf.add(tf.matMul(z, wd), b)));
  const values = (out.dataSync() as Float32Array).slice();
  tf.dispose([z, wd, b, out]);
  return values;
}

Deno.test("decodeBounded() keeps the bound when the prediction comes from the other tfjs backend", () => {
  assert.equal(nativeKernelsActive() || setNativeKernels(true), true, "libopenblas is installed");
  const native = predict(true);
  const stock = predict(false);
  let differing = 0;
  let worst = 0;
  for (let i = 0; i < native.length; i++) {
    if (native[i] !== stock[i]) differing++;
    worst = Math.max(worst, Math.abs(native[i] - stock[i]) / Math.abs(stock[i]));
  }
  // The backends really disagree in the last bits, and by far less than the tolerated 1e-5.
  assert.ok(differing > 100, `${differing} pixels differ`);
  assert.ok(worst < 1e-5, `worst relative difference ${worst}`);
  const rand = mulberry32(22);
  const image = Float32Array.from(native, (p) => p * (1 + 0.01 * (rand() - 0.5)));
  // Realistic bounds at the default ε, and bounds only a few ε wide (ε set just above the
  // measured difference) where a missing margin would show on many pixels.
  const cases: Array<[ErrorBound & { kind: "rel" | "abs" }, number | undefined]> = [
    [{ kind: "rel", r: 0.001 }, undefined],
    [{ kind: "abs", a: 1e-4 }, undefined],
    [{ kind: "rel", r: 2e-5 }, 2e-6],
    [{ kind: "abs", a: 1e-6 }, 2e-6],
  ];
  for (const [bound, predictionTolerance] of cases) {
    for (const predictor of ["lorenzo", "interpolation"] as const) {
      const bytes = encodeBounded(image, {
        height: H,
        width: W,
        bound,
        prediction: native,
        predictionTolerance,
        modes: [{ predictor, usePrediction: true, symmetry: "none" }],
      });
      for (const [name, prediction] of [["native", native], ["stock", stock]] as const) {
        const { image: out } = decodeBounded(bytes, { prediction });
        for (let i = 0; i < out.length; i++) {
          const limit = bound.kind === "rel" ? bound.r * Math.abs(image[i]) : bound.a;
          assert.ok(Math.abs(out[i] - image[i]) <= limit, `${name} ${bound.kind} pixel ${i}`);
        }
      }
    }
  }
  setNativeKernels(true);
});
