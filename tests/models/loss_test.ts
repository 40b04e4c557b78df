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
function valueAndGrad(native: boolean, loss: LossKind, lambda: number): [number, number[]] {
  setNativeKernels(native);
  try {
    return tf.tidy(() => {
      const [xs, zs] = [x(), z()];
      const { value, grad } = tf.valueAndGrad((ys: tf.Tensor) =>
        sparseLoss(ys as tf.Tensor2D, xs, zs, lambda, "z", loss)
      )(y());
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
