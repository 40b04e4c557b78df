/**
 * Fused training ops for the tfjs `cpu` backend, each a registered kernel with its gradient:
 * `SasquashDense` (y = relu(x·W + b) by sgemm, backward by sgemm and one mask pass) and
 * `SasquashSparseLoss` (paper eq. 3 in one pass, its gradient in one pass per input).
 * Other backends use the equivalent stock ops; tests check that both agree.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { allocate } from "./_buffer_pool.ts";
import {
  type CpuBackend,
  fusedMatMul,
  type MatMulArgs,
  nativeKernelsActive,
} from "./native_kernels.ts";

type TensorInfo = tf.TensorInfo;
type Args<A> = { inputs: Record<string, TensorInfo>; backend: CpuBackend; attrs: A };
type LossAttrs = { lambda: number; f: "z" | "grad"; loss: LossKind; wrt?: "y" | "z" };

/**
 * The data term of the training loss (`train --loss`): `mse`, the paper's mean square over all
 * pixels of the batch, (1/Bn)Σᵢ‖yᵢ − xᵢ‖²; or `rms`, the mean over images of each image's RMS
 * error, (1/B)Σᵢ √(‖yᵢ − xᵢ‖²/n + ε). With `rms` every image's gradient has the same norm, so
 * the few images the model cannot fit (errors 10–100× the median) no longer set its direction.
 */
export const LOSSES = ["mse", "rms"] as const;
/** One of {@link LOSSES}. */
export type LossKind = typeof LOSSES[number];
/** ε under the square root of the `rms` loss (network units squared): finite at zero error. */
export const RMS_EPSILON = 1e-10;

let registered = false;

const valuesOf = (backend: CpuBackend, t: TensorInfo) =>
  backend.data.get(t.dataId).values as Float32Array;

/** y = x·W + b, then ReLU when `relu`; dispatched to the native op on cpu, stock ops elsewhere. */
export function dense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, relu: boolean): tf.Tensor2D {
  if (nativeOpsUsable()) {
    return tf.engine().runKernel("SasquashDense", { x, w, b }, { relu }) as tf.Tensor2D;
  }
  const activation = relu ? "relu" : "linear";
  return tf.fused.matMul({ a: x, b: w as tf.Tensor2D, bias: b, activation }) as tf.Tensor2D;
}

/**
 * (paper eq. 3) (1/Bn)Σ‖y − x‖² + λ(1/Bn)Σ‖f(z)‖₁ for y = d(e(x)) of shape [B, n], z = e(x);
 * with `loss` = "rms" the data term is (1/B)Σᵢ √(‖yᵢ − xᵢ‖²/n + ε) instead.
 */
export function sparseLoss(
  y: tf.Tensor2D,
  x: tf.Tensor2D,
  z: tf.Tensor2D,
  lambda: number,
  f: "z" | "grad",
  loss: LossKind = "mse",
): tf.Scalar {
  if (nativeOpsUsable()) {
    const attrs = { lambda, f, loss };
    return tf.engine().runKernel("SasquashSparseLoss", { y, x, z }, attrs) as tf.Scalar;
  }
  return tf.tidy(() => {
    const error = loss === "mse"
      ? tf.mean(tf.squaredDifference(y, x))
      : tf.mean(tf.sqrt(tf.add(tf.mean(tf.squaredDifference(y, x), 1), RMS_EPSILON)));
    if (lambda === 0) return error as tf.Scalar;
    const ell = z.shape[1];
    const fz = f === "z"
      ? z
      : tf.sub(tf.slice(z, [0, 1], [-1, ell - 1]), tf.slice(z, [0, 0], [-1, ell - 1]));
    return tf.add(error, tf.mul(tf.sum(tf.abs(fz)), lambda / y.size)) as tf.Scalar;
  });
}

/** True when the fused cpu ops run: the cpu backend is active with native kernels. */
export function nativeOpsUsable(): boolean {
  if (!nativeKernelsActive() || tf.getBackend() !== "cpu") return false;
  if (!registered) registerOps();
  return true;
}

function registerOps(): void {
  registered = true;
  const kernel = (kernelName: string, kernelFunc: (args: never) => TensorInfo) =>
    tf.registerKernel({ kernelName, backendName: "cpu", kernelFunc: kernelFunc as never });
  kernel("SasquashDense", ({ inputs, backend, attrs }: Args<{ relu: boolean }>) =>
    fusedMatMul({
      inputs: { a: inputs.x, b: inputs.w, bias: inputs.b },
      backend,
      attrs: { transposeA: false, transposeB: false, activation: attrs.relu ? "relu" : "linear" },
    } as MatMulArgs));
  kernel("SasquashReluMask", ({ inputs, backend }: Args<unknown>) => {
    const dy = valuesOf(backend, inputs.dy);
    const y = valuesOf(backend, inputs.y);
    const out = allocate(dy.length);
    for (let i = 0; i < out.length; i++) out[i] = y[i] > 0 ? dy[i] : 0;
    return backend.makeTensorInfo(inputs.dy.shape, "float32", out);
  });
  kernel("SasquashColumnSum", ({ inputs, backend }: Args<unknown>) => {
    const [rows, cols] = inputs.x.shape;
    const out = columnSum(valuesOf(backend, inputs.x), rows, cols);
    return backend.makeTensorInfo([cols], "float32", out);
  });
  kernel("SasquashSparseLoss", ({ inputs, backend, attrs }: Args<LossAttrs>) => {
    const y = valuesOf(backend, inputs.y);
    const x = valuesOf(backend, inputs.x);
    const z = valuesOf(backend, inputs.z);
    const loss = lossValue(y, x, z, inputs.z.shape[1], attrs);
    return backend.makeTensorInfo([], "float32", new Float32Array([loss]));
  });
  kernel("SasquashSparseLossGrad", ({ inputs, backend, attrs }: Args<LossAttrs>) => {
    const scale = valuesOf(backend, inputs.dL)[0] / inputs.y.shape.reduce((p, d) => p * d, 1);
    const target = attrs.wrt === "y" ? inputs.y : inputs.z;
    const out = allocate(target.shape.reduce((p, d) => p * d, 1));
    if (attrs.wrt === "y") {
      const [y, x] = [valuesOf(backend, inputs.y), valuesOf(backend, inputs.x)];
      if (attrs.loss === "rms") rmsGrad(y, x, inputs.y.shape[1], scale, out);
      else differenceGrad(y, x, 2 * scale, out);
    } else {
      l1Grad(valuesOf(backend, inputs.z), inputs.z.shape[1], attrs.f, attrs.lambda * scale, out);
    }
    return backend.makeTensorInfo(target.shape, "float32", out);
  });
  const run = (name: string, inputs: tf.NamedTensorMap, attrs = {}) =>
    tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
  tf.registerGradient({
    kernelName: "SasquashDense",
    inputsToSave: ["x", "w"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, y] = saved;
      // Runs inside the engine's backward tidy, so the mask is computed once and freed after.
      const relu = (attrs as { relu: boolean }).relu;
      const pre = relu ? run("SasquashReluMask", { dy: dy as tf.Tensor, y }) : dy as tf.Tensor;
      return {
        x: () => tf.matMul(pre, w, false, true),
        w: () => tf.matMul(x, pre, true, false),
        b: () => run("SasquashColumnSum", { x: pre }),
      };
    },
  });
  tf.registerGradient({
    kernelName: "SasquashSparseLoss",
    inputsToSave: ["y", "x", "z"],
    gradFunc: (dL, saved, attrs) => {
      const [y, x, z] = saved;
      const inputs = { dL: dL as tf.Tensor, y, x, z };
      return {
        y: () => run("SasquashSparseLossGrad", inputs, { ...attrs, wrt: "y" }),
        x: () => tf.neg(run("SasquashSparseLossGrad", inputs, { ...attrs, wrt: "y" })),
        z: () => run("SasquashSparseLossGrad", inputs, { ...attrs, wrt: "z" }),
      };
    },
  });
}

function columnSum(a: Float32Array, rows: number, cols: number): Float32Array {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let c = 0; c < cols; c++) sums[c] += a[offset + c];
  }
  return Float32Array.from(sums);
}

function lossValue(
  y: Float32Array,
  x: Float32Array,
  z: Float32Array,
  ell: number,
  { lambda, f, loss }: LossAttrs,
): number {
  const n = y.length / (z.length / ell);
  let data = 0;
  for (let row = 0; row < y.length; row += n) {
    const squares = rowSquares(y, x, row, n);
    data += loss === "rms" ? n * Math.sqrt(squares / n + RMS_EPSILON) : squares;
  }
  let l1 = 0;
  if (lambda !== 0 && f === "z") { for (let i = 0; i < z.length; i++) l1 += Math.abs(z[i]); }
  if (lambda !== 0 && f === "grad") {
    for (let row = 0; row < z.length; row += ell) {
      for (let i = row; i < row + ell - 1; i++) l1 += Math.abs(z[i + 1] - z[i]);
    }
  }
  return (data + lambda * l1) / y.length;
}

function rowSquares(y: Float32Array, x: Float32Array, row: number, n: number): number {
  let squares = 0;
  for (let i = row; i < row + n; i++) {
    const d = y[i] - x[i];
    squares += d * d;
  }
  return squares;
}

function differenceGrad(y: Float32Array, x: Float32Array, scale: number, out: Float32Array) {
  for (let i = 0; i < out.length; i++) out[i] = scale * (y[i] - x[i]);
}

/** d/dy of (1/B)Σᵢ√(‖yᵢ − xᵢ‖²/n + ε) times `scale` · Bn: each row's difference ÷ its RMS. */
function rmsGrad(y: Float32Array, x: Float32Array, n: number, scale: number, out: Float32Array) {
  for (let row = 0; row < y.length; row += n) {
    const rowScale = scale / Math.sqrt(rowSquares(y, x, row, n) / n + RMS_EPSILON);
    for (let i = row; i < row + n; i++) out[i] = rowScale * (y[i] - x[i]);
  }
}

/** d‖f(z)‖₁/dz: sign(z) for f = z; for the finite difference, sign(sᵢ₋₁) − sign(sᵢ). */
function l1Grad(z: Float32Array, ell: number, f: "z" | "grad", scale: number, out: Float32Array) {
  if (f === "z") {
    for (let i = 0; i < out.length; i++) out[i] = scale * Math.sign(z[i]);
    return;
  }
  for (let row = 0; row < z.length; row += ell) {
    let previous = 0;
    for (let i = row; i < row + ell - 1; i++) {
      const s = Math.sign(z[i + 1] - z[i]);
      out[i] = scale * (previous - s);
      previous = s;
    }
    out[row + ell - 1] = scale * previous;
  }
}
