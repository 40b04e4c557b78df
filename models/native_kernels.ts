/**
 * Native kernels for the tfjs `cpu` backend: `BatchMatMul` and `_FusedMatMul` run an sgemm on
 * the backend's own Float32Arrays: OpenBLAS `cblas_sgemm`, or the portable WebAssembly one
 * (`kernel_choice.ts` picks). Gradients need no extra code: tfjs differentiates matMul into
 * further matMuls, which land here too.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import {
  chooseKernels,
  describeKernels,
  type KernelChoice,
  type KernelsName,
  openBlasHint,
  type Sgemm,
} from "./kernel_choice.ts";
import { allocate, installPool } from "./_buffer_pool.ts";

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelConfig["kernelFunc"];

/** The slice of tfjs-backend-cpu's `MathBackendCPU` the kernels use. */
export interface CpuBackend {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfo;
}

type Activation = "linear" | "relu" | "relu6" | "elu" | "leakyrelu" | "sigmoid" | "prelu";

const KERNEL_NAMES = ["BatchMatMul", "_FusedMatMul"] as const;
const stock = new Map<string, tf.KernelConfig>();
let nativeActive = false;
let gemm: Sgemm | null = null;
let choice: KernelChoice = { kernels: "stock", sgemm: null, reason: "not chosen yet" };
let warned = false;

/** Whether native (OpenBLAS or portable) kernels are the ones registered for `cpu` right now. */
export function nativeKernelsActive(): boolean {
  return nativeActive;
}

/** The kernels `cpu` matMuls run on now, with the reason they were chosen. */
export function activeKernels(): KernelChoice {
  return nativeActive ? choice : { kernels: "stock", sgemm: null, reason: choice.reason };
}

/**
 * Registers the native kernels for `cpu` (true) or restores the stock ones (false).
 * `kernels` forces a family (default: `SASQUASH_KERNELS`, else the fastest that loads).
 * Returns whether native kernels are active; says once on stderr when OpenBLAS is missing.
 */
export function setNativeKernels(enabled: boolean, kernels?: KernelsName): boolean {
  if (stock.size === 0) {
    for (const name of KERNEL_NAMES) stock.set(name, tf.getKernel(name, "cpu")!);
  }
  if (enabled) {
    choice = chooseKernels(kernels);
    gemm = choice.sgemm;
    if (gemm === null) enabled = false;
    if (choice.kernels !== "openblas" && !warned && kernels === undefined) {
      const hint = choice.reason.startsWith("SASQUASH_KERNELS")
        ? ""
        : `; faster: ${openBlasHint()}`;
      console.warn(`sasquash: ${describeKernels(choice)}${hint}`);
      warned = true;
    }
  }
  if (enabled === nativeActive) return nativeActive;
  const funcs: Record<string, KernelFunc> = enabled
    ? {
      BatchMatMul: batchMatMul as unknown as KernelFunc,
      _FusedMatMul: fusedMatMul as unknown as KernelFunc,
    }
    : {
      BatchMatMul: stock.get("BatchMatMul")!.kernelFunc,
      _FusedMatMul: stock.get("_FusedMatMul")!.kernelFunc,
    };
  for (const name of KERNEL_NAMES) {
    tf.unregisterKernel(name, "cpu");
    tf.registerKernel({ kernelName: name, backendName: "cpu", kernelFunc: funcs[name] });
  }
  nativeActive = enabled;
  return nativeActive;
}

/** Arguments of the matMul kernels, as tfjs passes them. */
export interface MatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: CpuBackend;
  attrs: {
    transposeA: boolean;
    transposeB: boolean;
    activation?: Activation;
    leakyreluAlpha?: number;
  };
}

function float32Values(backend: CpuBackend, t: TensorInfo): Float32Array | null {
  const values = backend.data.get(t.dataId).values;
  return t.dtype === "float32" && values instanceof Float32Array ? values : null;
}

/** op(A)·op(B) over the (modulo-broadcast) batch, exactly as the stock kernel shapes it. */
function multiply(args: MatMulArgs): { shape: number[]; values: Float32Array } | null {
  const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
  installPool(backend as never);
  const av = float32Values(backend, a);
  const bv = float32Values(backend, b);
  if (av === null || bv === null) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new Error(`matMul: inner shapes ${k} and ${kb} of [${a.shape}] and [${b.shape}] differ`);
  }
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const out = allocate(batch * m * n);
  for (let i = 0; i < batch; i++) {
    const ao = (i % batchA) * m * k;
    const bo = (i % batchB) * k * n;
    gemm!(
      transposeA,
      transposeB,
      m,
      n,
      k,
      av.subarray(ao, ao + m * k),
      bv.subarray(bo, bo + k * n),
      out.subarray(i * m * n, (i + 1) * m * n),
    );
  }
  return { shape: [...outer, m, n], values: out };
}

function batchMatMul(args: MatMulArgs): TensorInfo {
  const product = multiply(args);
  if (product === null) return stock.get("BatchMatMul")!.kernelFunc(args as never) as TensorInfo;
  return args.backend.makeTensorInfo(product.shape, "float32", product.values);
}

/** The native `_FusedMatMul` kernel function (also the forward of `SasquashDense`). */
export function fusedMatMul(args: MatMulArgs): TensorInfo {
  const { bias, preluActivationWeights } = args.inputs;
  const product = multiply(args);
  const biasValues = bias ? float32Values(args.backend, bias) : undefined;
  const preluValues = preluActivationWeights
    ? float32Values(args.backend, preluActivationWeights)
    : undefined;
  if (product === null || biasValues === null || preluValues === null) {
    return stock.get("_FusedMatMul")!.kernelFunc(args as never) as TensorInfo;
  }
  const { shape, values } = product;
  if (bias && biasValues) addBroadcast(values, shape, biasValues, bias.shape);
  const activation = args.attrs.activation ?? "linear";
  if (activation === "prelu") {
    const slopes = broadcastTo(preluValues!, preluActivationWeights!.shape, shape);
    for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] *= slopes[i];
  } else {
    activate(values, activation, args.attrs.leakyreluAlpha ?? 0.2);
  }
  return args.backend.makeTensorInfo(shape, "float32", values);
}

/** In-place elementwise activation, matching tfjs-backend-cpu's definitions. */
function activate(values: Float32Array, activation: Activation, alpha: number): void {
  const count = values.length;
  switch (activation) {
    case "linear":
      return;
    case "relu":
      for (let i = 0; i < count; i++) if (values[i] < 0) values[i] = 0;
      return;
    case "relu6":
      for (let i = 0; i < count; i++) values[i] = Math.min(Math.max(values[i], 0), 6);
      return;
    case "elu":
      for (let i = 0; i < count; i++) if (values[i] < 0) values[i] = Math.exp(values[i]) - 1;
      return;
    case "leakyrelu":
      for (let i = 0; i < count; i++) if (values[i] < 0) values[i] *= alpha;
      return;
    case "sigmoid":
      for (let i = 0; i < count; i++) values[i] = 1 / (1 + Math.exp(-values[i]));
      return;
    default:
      throw new Error(`_FusedMatMul: activation ${activation} is not implemented`);
  }
}

/** values += operand broadcast to shape; a row vector of the last dimension is the fast path. */
function addBroadcast(
  values: Float32Array,
  shape: number[],
  operand: Float32Array,
  opShape: number[],
) {
  const n = shape[shape.length - 1];
  if (operand.length === n && opShape[opShape.length - 1] === n) {
    for (let row = 0; row < values.length; row += n) {
      for (let j = 0; j < n; j++) values[row + j] += operand[j];
    }
    return;
  }
  const full = broadcastTo(operand, opShape, shape);
  for (let i = 0; i < values.length; i++) values[i] += full[i];
}

/** NumPy-style broadcast of operand (opShape) to shape, materialized. */
function broadcastTo(operand: Float32Array, opShape: number[], shape: number[]): Float32Array {
  tf.broadcast_util.assertAndGetBroadcastShape(opShape, shape);
  const size = tf.util.sizeFromShape(shape);
  const out = new Float32Array(size);
  const rank = shape.length;
  const padded = [...new Array(rank - opShape.length).fill(1), ...opShape];
  const opStrides = tf.util.computeStrides(padded);
  const index = new Array(rank).fill(0);
  for (let flat = 0; flat < size; flat++) {
    let source = 0;
    for (let d = 0; d < rank - 1; d++) if (padded[d] !== 1) source += index[d] * opStrides[d];
    if (padded[rank - 1] !== 1) source += index[rank - 1];
    out[flat] = operand[source];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}
