/**
 * The MNIST protocol of the paper's Table 1 (Chung et al., arXiv 2405.14270): train each
 * architecture on the train split of pixels in [0, 1], then report on both splits the mean
 * L2 reconstruction error, the mean ‖f(z)‖₁ and ‖f(z)‖₀ of the latent z = e(x), and the
 * k-NN accuracy of test digits classified from training digits in latent and in image space.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import {
  Adam,
  type Architecture,
  countNonzero,
  SparseAutoencoder,
  trainStep,
} from "../models/mod.ts";
import { seededPermutation, type TrainTestSplit } from "../datasets/mod.ts";
import { type ArchSpec, resolveSpec } from "./mnist_arch.ts";
import { knnAccuracyBlas } from "./mnist_knn.ts";

/** Images per tfjs call when encoding a whole split. */
const EVAL_BLOCK = 512;

/** Training and evaluation settings shared by every architecture. */
export interface MnistOptions {
  epochs: number;
  batch: number;
  learningRate: number;
  seed: number;
  knnK: number;
  /** Called after every training step with the images it used. */
  onBatch?: (images: number) => void;
}

/** Per-image means over one split. */
export interface SplitMetrics {
  /** Mean over images of ‖d(e(x)) − x‖₂ (pixels in [0, 1]). */
  l2: number;
  /** Mean over images and pixels of (d(e(x)) − x)². */
  mse: number;
  /** Mean over images of ‖f(z)‖₁. */
  l1: number;
  /** Mean over images of ‖f(z)‖₀ (exact non-zeros). */
  l0: number;
}

/** One row of the table: an architecture and what it achieved. */
export interface MnistRow {
  arch: string;
  architecture: Architecture;
  train: SplitMetrics;
  test: SplitMetrics;
  knnLatent: number;
  knnImage: number;
  finalLoss: number;
  seconds: number;
}

/** Latent codes and metrics of one split. */
interface Encoded {
  latents: Float32Array;
  metrics: SplitMetrics;
}

/** k-NN accuracy of the test split classified from the train split in image (pixel) space. */
export async function imageSpaceKnn(split: TrainTestSplit, k: number): Promise<number> {
  const { train, test } = split;
  return await knnAccuracyBlas(train.images, train.labels, test.images, test.labels, train.n, k);
}

/** Trains `spec` on the train split and measures it; `knnImage` is passed through to the row. */
export async function runArchitecture(
  split: TrainTestSplit,
  spec: ArchSpec,
  options: MnistOptions,
  knnImage: number,
): Promise<MnistRow> {
  const start = performance.now();
  const arch = resolveSpec(spec, split.train.n);
  const model = SparseAutoencoder.create(arch, options.seed);
  const adam = new Adam(model.variables, { learningRate: options.learningRate });
  try {
    let finalLoss = NaN;
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      finalLoss = await trainEpoch(model, adam, split.train.images, epoch, options);
    }
    const train = await encodeSplit(model, split.train.images);
    const test = await encodeSplit(model, split.test.images);
    const knnLatent = await knnAccuracyBlas(
      train.latents,
      split.train.labels,
      test.latents,
      split.test.labels,
      arch.ell,
      options.knnK,
    );
    const seconds = (performance.now() - start) / 1000;
    return {
      arch: spec.label,
      architecture: arch,
      train: train.metrics,
      test: test.metrics,
      knnLatent,
      knnImage,
      finalLoss,
      seconds,
    };
  } finally {
    adam.dispose();
    model.dispose();
  }
}

/** Runs every architecture in turn; `onRow` sees each row as it is done. */
export async function runMnistProtocol(
  split: TrainTestSplit,
  specs: ArchSpec[],
  options: MnistOptions,
  onRow?: (row: MnistRow) => void,
): Promise<MnistRow[]> {
  const knnImage = await imageSpaceKnn(split, options.knnK);
  const rows: MnistRow[] = [];
  for (const spec of specs) {
    const row = await runArchitecture(split, spec, options, knnImage);
    rows.push(row);
    onRow?.(row);
  }
  return rows;
}

/**
 * One pass over the train images in a seeded random order, one Adam step per batch on
 * (paper eq. 3, divided by n) (1/Bn)Σ‖d(e(x)) − x‖² + λ(1/Bn)Σ‖f(e(x))‖₁. Returns the
 * image-weighted mean loss of the pass.
 */
async function trainEpoch(
  model: SparseAutoencoder,
  adam: Adam,
  images: Float32Array,
  epoch: number,
  options: MnistOptions,
): Promise<number> {
  const { n, lambda } = model.arch;
  const count = images.length / n;
  const order = seededPermutation(count, (options.seed + Math.imul(epoch + 1, 0x9e3779b9)) >>> 0);
  const batch = new Float32Array(options.batch * n);
  let lossSum = 0;
  for (let first = 0; first < count; first += options.batch) {
    const rows = Math.min(options.batch, count - first);
    gatherRows(images, order, first, rows, n, batch);
    lossSum += (await trainStep(model, adam, batch.subarray(0, rows * n), lambda)) * rows;
    options.onBatch?.(rows);
  }
  return lossSum / count;
}

/** Copies rows order[first … first+rows) of `images` into `out`. */
function gatherRows(
  images: Float32Array,
  order: Int32Array,
  first: number,
  rows: number,
  n: number,
  out: Float32Array,
): void {
  for (let i = 0; i < rows; i++) {
    const row = order[first + i];
    out.set(images.subarray(row * n, row * n + n), i * n);
  }
}

/** Latents of every image and the split's means, in blocks of EVAL_BLOCK images. */
async function encodeSplit(model: SparseAutoencoder, images: Float32Array): Promise<Encoded> {
  const { n, ell, f } = model.arch;
  const count = images.length / n;
  const latents = new Float32Array(count * ell);
  let l2 = 0, squares = 0, l1 = 0, l0 = 0;
  for (let first = 0; first < count; first += EVAL_BLOCK) {
    const rows = Math.min(EVAL_BLOCK, count - first);
    const x = images.subarray(first * n, (first + rows) * n);
    const [z, y] = tf.tidy(() => {
      const z = model.encode(tf.tensor2d(x, [rows, n]));
      return [z, model.decode(z)];
    });
    const zValues = await z.data() as Float32Array;
    const yValues = await y.data() as Float32Array;
    tf.dispose([z, y]);
    latents.set(zValues, first * ell);
    const errors = reconstructionErrors(x, yValues, n);
    l2 += errors.l2;
    squares += errors.squares;
    l1 += l1Norm(zValues, ell, f);
    l0 += countNonzero(zValues, ell, f);
  }
  return {
    latents,
    metrics: { l2: l2 / count, mse: squares / (count * n), l1: l1 / count, l0: l0 / count },
  };
}

/** Σ over images of ‖y − x‖₂ and Σ of (y − x)² over all pixels. */
function reconstructionErrors(x: Float32Array, y: Float32Array, n: number) {
  let l2 = 0, squares = 0;
  for (let row = 0; row < x.length; row += n) {
    let s = 0;
    for (let i = row; i < row + n; i++) s += (y[i] - x[i]) * (y[i] - x[i]);
    l2 += Math.sqrt(s);
    squares += s;
  }
  return { l2, squares };
}

/** ‖f(z)‖₁ summed over a batch [count, ℓ]: f = identity or the forward difference z[i+1] − z[i]. */
function l1Norm(z: Float32Array, ell: number, f: "z" | "grad"): number {
  let sum = 0;
  if (f === "z") {
    for (let i = 0; i < z.length; i++) sum += Math.abs(z[i]);
    return sum;
  }
  for (let row = 0; row < z.length; row += ell) {
    for (let i = row; i < row + ell - 1; i++) sum += Math.abs(z[i + 1] - z[i]);
  }
  return sum;
}
