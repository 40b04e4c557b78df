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
type LossAttrs = {
  lambda: number;
  f: "z" | "grad";
  loss: LossKind;
  lnPerUnit: number;
  wrt?: "y" | "z";
};

/**
 * The data term of the training loss (`train --loss`), for y = d(e(x)) and x of shape [B, n]:
 * - `mse`, the paper's mean square over all pixels of the batch, (1/Bn)Σᵢ‖yᵢ − xᵢ‖²;
 * - `rms`, the mean over images of each image's RMS error, (1/B)Σᵢ √(‖yᵢ − xᵢ‖²/n + ε). Every
 *   image's gradient has the same norm, so the few images the model cannot fit (errors 10–100×
 *   the median) no longer set its direction;
 * - `rel`, the mean over images of each image's RMS pointwise relative error in intensity (the
 *   metric of record `rms_rel`): with a log transform Î/I = e^{k(y−x)}, k = ln 10 · std the ln
 *   units of one network unit, so rᵢₚ = e^{k(yᵢₚ−xᵢₚ)} − 1 and the term is (1/B)Σᵢ √(Σₚ rᵢₚ²/n + ε).
 *   Over-estimates weigh more than under-estimates, as in the metric. Past a 10× over-estimate
 *   (k(y−x) > ln 10) r grows linearly, so one wild pixel cannot swamp a step;
 * - `log-rel`, (1/B)Σᵢ ln(c + RMSᵢ) with RMSᵢ as in `rel` and c = {@link LOG_REL_KNEE}: each image
 *   pulls by its relative improvement, so the images near the median (a few to tens of percent)
 *   set the direction; against an image at 5 %, one at 100 % pulls ~10× less than in `rel` (its
 *   divisor c + RMS is 1.05 against 0.1), one at 200 % ~20× less.
 */
export const LOSSES = ["mse", "rms", "rel", "log-rel"] as const;
/** One of {@link LOSSES}. */
export type LossKind = typeof LOSSES[number];
/** ε under the square root of the per-image losses (squared units): finite at zero error. */
export const RMS_EPSILON = 1e-10;
/** c in the `log-rel` loss ln(c + RMSᵢ): errors well under 5 % weigh about as much as 5 %. */
export const LOG_REL_KNEE = 0.05;
/** Above this k(y − x) (a 10× over-estimate) the `rel` losses' r = e^{k(y−x)} − 1 turns linear. */
export const REL_LINEAR_ABOVE = Math.LN10;

/** True for the losses that measure relative error in intensity (they need ln units per unit). */
export function lossIsRelative(loss: LossKind): boolean {
  return loss === "rel" || loss === "log-rel";
}

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
 * with another `loss` ({@link LOSSES}) its data term instead. `lnPerUnit` (k = ln 10 · the log
 * transform's std) is needed by the relative losses and ignored by the others.
 */
export function sparseLoss(
  y: tf.Tensor2D,
  x: tf.Tensor2D,
  z: tf.Tensor2D,
  lambda: number,
  f: "z" | "grad",
  loss: LossKind = "mse",
  lnPerUnit = 0,
): tf.Scalar {
  if (lossIsRelative(loss) && !(lnPerUnit > 0)) {
    throw new RangeError(
      `the ${loss} loss needs the ln units of one network unit (got ${lnPerUnit})`,
    );
  }
  if (nativeOpsUsable()) {
    const attrs = { lambda, f, loss, lnPerUnit };
    return tf.engine().runKernel("SasquashSparseLoss", { y, x, z }, attrs) as tf.Scalar;
  }
  return tf.tidy(() => {
    const error = stockDataTerm(y, x, loss, lnPerUnit);
    if (lambda === 0) return error as tf.Scalar;
    const ell = z.shape[1];
    const fz = f === "z"
      ? z
      : tf.sub(tf.slice(z, [0, 1], [-1, ell - 1]), tf.slice(z, [0, 0], [-1, ell - 1]));
    return tf.add(error, tf.mul(tf.sum(tf.abs(fz)), lambda / y.size)) as tf.Scalar;
  });
}

function stockDataTerm(y: tf.Tensor2D, x: tf.Tensor2D, loss: LossKind, k: number): tf.Scalar {
  if (loss === "mse") return tf.mean(tf.squaredDifference(y, x));
  const rms = (r: tf.Tensor) => tf.sqrt(tf.add(tf.mean(tf.square(r), 1), RMS_EPSILON));
  if (loss === "rms") return tf.mean(rms(tf.sub(y, x)));
  const d = tf.mul(tf.sub(y, x), k);
  // e^min(d, D) − 1 + e^D · max(d − D, 0): no exp of a large d, so no Inf · 0 in the gradient.
  const r = tf.add(
    tf.expm1(tf.minimum(d, REL_LINEAR_ABOVE)),
    tf.mul(tf.relu(tf.sub(d, REL_LINEAR_ABOVE)), Math.exp(REL_LINEAR_ABOVE)),
  );
  const perImage = rms(r);
  return tf.mean(loss === "rel" ? perImage : tf.log(tf.add(perImage, LOG_REL_KNEE)));
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
      const n = inputs.y.shape[1];
      if (attrs.loss === "rms") rmsGrad(y, x, n, scale, out);
      else if (lossIsRelative(attrs.loss)) relGrad(y, x, n, attrs, scale, out);
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
  { lambda, f, loss, lnPerUnit }: LossAttrs,
): number {
  const n = y.length / (z.length / ell);
  let data = 0;
  const scratch = lossIsRelative(loss) ? relScratch(n) : undefined;
  for (let row = 0; row < y.length; row += n) {
    if (scratch) {
      const rms = relativeRow(y, x, row, n, lnPerUnit, scratch);
      data += n * (loss === "rel" ? rms : Math.log(LOG_REL_KNEE + rms));
      continue;
    }
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

type RelScratch = { r: Float64Array; slope: Float64Array };
const relScratch = (n: number): RelScratch => ({
  r: new Float64Array(n),
  slope: new Float64Array(n),
});

/**
 * One image's relative errors rₚ = e^{k(yₚ−xₚ)} − 1 (linear past {@link REL_LINEAR_ABOVE}) and
 * their slopes drₚ/d(k(yₚ−xₚ)) into `scratch`; returns √(Σ rₚ²/n + ε).
 */
function relativeRow(
  y: Float32Array,
  x: Float32Array,
  row: number,
  n: number,
  k: number,
  { r, slope }: RelScratch,
): number {
  const top = Math.exp(REL_LINEAR_ABOVE);
  let squares = 0;
  for (let p = 0; p < n; p++) {
    const d = k * (y[row + p] - x[row + p]);
    if (d > REL_LINEAR_ABOVE) {
      r[p] = top - 1 + top * (d - REL_LINEAR_ABOVE);
      slope[p] = top;
    } else {
      // exp, not expm1 (faster): in float64, e^d − 1 is off by ~1e-16, far below any r that counts.
      slope[p] = Math.exp(d);
      r[p] = slope[p] - 1;
    }
    squares += r[p] * r[p];
  }
  return Math.sqrt(squares / n + RMS_EPSILON);
}

/**
 * d/dy of the `rel` and `log-rel` data terms times `scale` · Bn: k · rₚ · slopeₚ ÷ RMS, and for
 * `log-rel` ÷ (c + RMS) as well.
 */
function relGrad(
  y: Float32Array,
  x: Float32Array,
  n: number,
  { loss, lnPerUnit }: LossAttrs,
  scale: number,
  out: Float32Array,
) {
  const scratch = relScratch(n);
  for (let row = 0; row < y.length; row += n) {
    const rms = relativeRow(y, x, row, n, lnPerUnit, scratch);
    const rowScale = (scale * lnPerUnit) / rms / (loss === "rel" ? 1 : LOG_REL_KNEE + rms);
    for (let p = 0; p < n; p++) out[row + p] = rowScale * scratch.r[p] * scratch.slope[p];
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
