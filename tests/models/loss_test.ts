import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "../fixtures/tfjs_setup.ts";
import { setNativeKernels } from "../../models/native_kernels.ts";
import { type LossKind, sparseLoss } from "../../models/native_ops.ts";

// Two images of n = 2 pixels: y − x = (0, 2) and (−3, −4); squared norms 4 and 25.
const y = () => tf.tensor2d([[1, 2], [0, 0]]);
const x = () => tf.tensor2d([[1, 0], [3, 4]]);
const z = () => tf.tensor2d([[0.5, 0], [0, -1]]);

/** Value and d/dy of the loss, with stock ops (native = false) or the fused op. */
function valueAndGrad(
  native: boolean,
  loss: LossKind,
  lambda: number,
  [ys, xs]: [() => tf.Tensor2D, () => tf.Tensor2D] = [y, x],
  lnPerUnit = 0,
): [number, number[]] {
  setNativeKernels(native);
  try {
    return tf.tidy(() => {
      const xt = xs();
      // The fused op reads the batch size from z: one latent row per image.
      const zs = xs === x ? z() : tf.zeros([xt.shape[0], 2]) as tf.Tensor2D;
      const { value, grad } = tf.valueAndGrad((yt: tf.Tensor) =>
        sparseLoss(yt as tf.Tensor2D, xt, zs, lambda, "z", loss, lnPerUnit)
      )(ys());
      return [value.dataSync()[0], Array.from(grad.dataSync())];
    });
  } finally {
    setNativeKernels(true);
  }
}

const close = (actual: number[], expected: number[], what: string) =>
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) < 1e-5, `${what}[${i}]: ${a}, expected ${expected[i]}`)
  );

Deno.test("the rms loss is the mean of each image's RMS error, its gradient each row ÷ its RMS", () => {
  for (const native of [false, true]) {
    const how = native ? "fused" : "stock";
    // (√(4/2) + √(25/2)) / 2 = (1.414214 + 3.535534) / 2, plus λ·(0.5 + 1)/(B·n) = 0.1·1.5/4.
    const [rms, rmsGrad] = valueAndGrad(native, "rms", 0.1);
    close([rms], [2.474874 + 0.0375], `${how} rms value`);
    // (y − x)/(B·n·RMSᵢ): (0, 2)/(4·√2) and (−3, −4)/(4·√12.5).
    close(rmsGrad, [0, 0.353553, -0.212132, -0.282843], `${how} rms dL/dy`);
    const [mse, mseGrad] = valueAndGrad(native, "mse", 0);
    close([mse], [29 / 4], `${how} mse value`);
    close(mseGrad, [0, 1, -1.5, -2], `${how} mse dL/dy`);
  }
});

Deno.test("the rms loss is finite, with a zero gradient, where an image is reconstructed exactly", () => {
  for (const native of [false, true]) {
    setNativeKernels(native);
    const [value, grad] = tf.tidy(() => {
      const same = tf.tensor2d([[1, 2]]);
      const { value, grad } = tf.valueAndGrad((ys: tf.Tensor) =>
        sparseLoss(ys as tf.Tensor2D, same, tf.zeros([1, 2]), 0, "z", "rms")
      )(tf.tensor2d([[1, 2]]));
      return [value.dataSync()[0], Array.from(grad.dataSync())];
    });
    setNativeKernels(true);
    assert.ok(Math.abs(value - 1e-5) < 1e-9, `√ε, got ${value}`);
    assert.deepEqual(grad, [0, 0]);
  }
});

// With k = 1 ln unit per network unit, y − x = (0, ln 2) and (−ln 2, 3): relative errors
// r = e^{y−x} − 1 = (0, 1) and (−0.5, ·), where 3 > ln 10 lies on the linear part,
// r = 9 + 10·(3 − ln 10) = 15.974149 with slope 10. RMS₁ = √(1/2), RMS₂ = √((0.25 + r²)/2).
const relY = () => tf.tensor2d([[0, Math.LN2], [-Math.LN2, 3]]);
const relX = () => tf.zeros([2, 2]) as tf.Tensor2D;

Deno.test("the rel loss is the mean of each image's RMS relative error, linear past 10×", () => {
  for (const native of [false, true]) {
    const how = native ? "fused" : "stock";
    const [value, grad] = valueAndGrad(native, "rel", 0, [relY, relX], 1);
    close([value], [6.004034], `${how} rel value`);
    // k·rₚ·slopeₚ/(B·n·RMSᵢ): 1·2/(4·0.707107); −0.5·0.5/(4·11.30096); 15.974149·10/(4·11.30096).
    close(grad, [0, 0.707107, -0.005531, 3.533803], `${how} rel dL/dy`);
    // The same error as an under-estimate costs less: r = e^{−ln 2} − 1 = −0.5, not 1.
    const [under] = valueAndGrad(native, "rel", 0, [
      () => tf.tensor2d([[0, -Math.LN2]]),
      () => tf.zeros([1, 2]) as tf.Tensor2D,
    ], 1);
    close([under], [Math.sqrt(0.125)], `${how} rel of an under-estimate`);
  }
});

Deno.test("the log-rel loss is the mean of ln(0.05 + RMSᵢ), its gradient rel's ÷ (0.05 + RMSᵢ)", () => {
  for (const native of [false, true]) {
    const how = native ? "fused" : "stock";
    const [value, grad] = valueAndGrad(native, "log-rel", 0, [relY, relX], 1);
    close([value], [(Math.log(0.757107) + Math.log(11.350963)) / 2], `${how} log-rel value`);
    close(grad, [0, 0.933959, -0.000487, 0.311322], `${how} log-rel dL/dy`);
    // k scales the error: k = 2 on y − x = ln 2 / 2 is the same image as k = 1 on ln 2.
    const [scaled] = valueAndGrad(native, "log-rel", 0, [
      () => tf.tensor2d([[0, Math.LN2 / 2]]),
      () => tf.zeros([1, 2]) as tf.Tensor2D,
    ], 2);
    close([scaled], [Math.log(0.05 + Math.sqrt(0.5))], `${how} log-rel with k = 2`);
  }
});

Deno.test("the relative losses refuse to run without the ln units of a network unit", () => {
  for (const loss of ["rel", "log-rel"] as const) {
    assert.throws(() => valueAndGrad(true, loss, 0), /needs the ln units/);
  }
});
