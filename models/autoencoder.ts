/**
 * The sparse L1-autoencoder of Chung et al. (arXiv 2405.14270): fully connected,
 * n → m → ℓ → m → n, ReLU between layers, linear output; the latent z = e(x) is the ReLU
 * output of the ℓ layer. Architectures are written (m/n, ℓ/n, λ, f) as in the paper.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { TrainedModelError, UsageError } from "../pipeline/errors.ts";
import { mulberry32 } from "../pipeline/seeded_random.ts";
import { dense, type LossKind, sparseLoss } from "./native_ops.ts";
import { keepTopK } from "./top_k.ts";
import { type IsotropicRows, projectIsotropicTensor } from "./isotropy.ts";

/** Sparse structure selector f: identity (`z`) or finite difference (`grad`). */
export type Selector = "z" | "grad";

/** A resolved architecture: layer widths, L1 weight λ and selector f. */
export interface Architecture {
  n: number;
  m: number;
  ell: number;
  lambda: number;
  f: Selector;
  /** When set, only each image's `topk` largest latent activations are kept (k-sparse). */
  topk?: number;
  preset?: string;
}

/**
 * A preset as (m/n, ℓ/n, λ, f) plus its default Adam learning rate; `hourglass` is the paper's
 * undercomplete, unregularized baseline.
 */
export const PRESETS: Record<
  string,
  { mRatio: number; ellRatio: number; lambda: number; f: Selector; lr: number }
> = {
  "paper-z": { mRatio: 1, ellRatio: 2, lambda: 10, f: "z", lr: 1e-3 },
  "paper-grad": { mRatio: 1, ellRatio: 2, lambda: 10, f: "grad", lr: 1e-3 },
  // At 1e-3 its ReLU latent collapses in the first epoch on SAS images (16 of 650 units ever fire).
  "hourglass": { mRatio: 1, ellRatio: 650 / 4096, lambda: 0, f: "z", lr: 3e-4 },
  // Sized for 2 CPU cores: ~17 M weights, 0.1 GFLOP per image and step; see docs/TRAINING.md.
  "cpu": { mRatio: 0.25, ellRatio: 1, lambda: 0.1, f: "z", lr: 1e-3 },
};

/** Options from the command line; each given field overrides the preset's. */
export interface ArchitectureOptions {
  preset?: string;
  /** "m/n,ℓ/n", e.g. "1,2". */
  arch?: string;
  lambda?: number;
  f?: string;
  /** Keep each image's k largest latent activations (`--topk`). */
  topk?: number;
}

/** Most weights a model may have (2^27, 512 MiB of float32; Adam keeps two more copies). */
export const MAX_WEIGHTS = 2 ** 27;

/** Resolves preset + overrides for images of n pixels; throws UsageError naming the flag. */
export function resolveArchitecture(n: number, options: ArchitectureOptions): Architecture {
  const presetName = options.preset ?? "cpu";
  const preset = PRESETS[presetName];
  if (!preset) {
    throw new UsageError(`--preset: unknown "${presetName}" (one of ${Object.keys(PRESETS)})`);
  }
  let { mRatio, ellRatio } = preset;
  if (options.arch !== undefined) {
    const parts = options.arch.split(",").map(Number);
    if (parts.length !== 2 || !parts.every((r) => Number.isFinite(r) && r > 0)) {
      throw new UsageError(
        `--arch: expected "m/n,l/n" as two positive numbers, got "${options.arch}"`,
      );
    }
    [mRatio, ellRatio] = parts;
  }
  const lambda = options.lambda ?? preset.lambda;
  if (!Number.isFinite(lambda) || lambda < 0) {
    throw new UsageError(`--lambda: must be ≥ 0, got ${lambda}`);
  }
  const f = options.f ?? preset.f;
  if (f !== "z" && f !== "grad") throw new UsageError(`--f: expected z or grad, got "${f}"`);
  const m = Math.max(1, Math.round(mRatio * n));
  const ell = Math.max(2, Math.round(ellRatio * n));
  const arch: Architecture = {
    n,
    m,
    ell,
    lambda,
    f,
    ...(options.topk === undefined ? {} : { topk: checkTopK(options.topk, ell) }),
    preset: options.arch === undefined ? presetName : undefined,
  };
  checkWeightCount(arch, "--arch");
  return arch;
}

/** Throws UsageError naming `flag` when `arch` has more than {@link MAX_WEIGHTS} weights. */
export function checkWeightCount(arch: Architecture, flag: string): void {
  const weights = weightShapes(arch).reduce((sum, shape) => sum + shape.reduce((a, b) => a * b), 0);
  if (weights > MAX_WEIGHTS) {
    throw new UsageError(
      `${flag}: widths m = ${arch.m}, l = ${arch.ell} for ${arch.n}-pixel images need ` +
        `${weights} weights, more than the limit ${MAX_WEIGHTS}`,
    );
  }
}

/** Whether `topk` is a usable k for a latent of ℓ units: an integer in [1, ℓ]. */
export function validTopK(topk: unknown, ell: number): boolean {
  return Number.isInteger(topk) && (topk as number) >= 1 && (topk as number) <= ell;
}

/** `topk` if it is an integer in [1, ℓ]; else a UsageError naming `--topk`. */
export function checkTopK(topk: number, ell: number): number {
  if (!validTopK(topk, ell)) {
    throw new UsageError(`--topk: must be an integer from 1 to ℓ = ${ell}, got ${topk}`);
  }
  return topk;
}

/** Shapes of the eight weight arrays, in order [W1, b1, W2, b2, W3, b3, W4, b4]. */
export function weightShapes(a: Architecture): number[][] {
  return [[a.n, a.m], [a.m], [a.m, a.ell], [a.ell], [a.ell, a.m], [a.m], [a.m, a.n], [a.n]];
}

/** Multiply-adds per image of one forward pass (×2 for FLOPs; a training step is ~3 passes). */
export function macsPerImage(a: Architecture): number {
  return 2 * a.n * a.m + 2 * a.m * a.ell;
}

/** The network's weights as tfjs variables, with encode/decode/loss built from fused matMuls. */
export class SparseAutoencoder {
  readonly variables: tf.Variable[];

  /** Wraps existing weight arrays (ownership of the tensors passes to the variables). */
  constructor(readonly arch: Architecture, weights: Float32Array[]) {
    const shapes = weightShapes(arch);
    if (weights.length !== shapes.length) {
      throw new TrainedModelError(
        `autoencoder: expected ${shapes.length} weight arrays, got ${weights.length}`,
      );
    }
    this.variables = weights.map((values, i) => {
      const size = shapes[i].reduce((p, d) => p * d, 1);
      if (values.length !== size) {
        throw new TrainedModelError(
          `autoencoder: weight ${i} has ${values.length} values, expected ${size}`,
        );
      }
      const initial = tf.tensor(values, shapes[i], "float32");
      const variable = tf.variable(initial, true);
      initial.dispose();
      return variable;
    });
  }

  /** A freshly initialized network (Glorot-uniform kernels, zero biases) from `seed`. */
  static create(arch: Architecture, seed: number): SparseAutoencoder {
    const random = mulberry32(seed);
    const weights = weightShapes(arch).map((shape) => {
      const values = new Float32Array(shape.reduce((p, d) => p * d, 1));
      if (shape.length === 2) {
        // Glorot & Bengio (2010): U(−√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out))).
        const limit = Math.sqrt(6 / (shape[0] + shape[1]));
        for (let i = 0; i < values.length; i++) values[i] = (2 * random() - 1) * limit;
      }
      return values;
    });
    return new SparseAutoencoder(arch, weights);
  }

  /** z = e(x): the ReLU output of the ℓ layer, [batch, ℓ]. */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    const [w1, b1, w2, b2] = this.variables;
    return tf.tidy(() => {
      const z = dense(dense(x, w1, b1, true), w2, b2, true);
      return this.arch.topk === undefined ? z : keepTopK(z, this.arch.topk);
    });
  }

  /** d(z): the linear reconstruction, [batch, n], in network (transformed) units. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    const [, , , , w3, b3, w4, b4] = this.variables;
    return tf.tidy(() => dense(dense(z, w3, b3, true), w4, b4, false));
  }

  /**
   * Training loss of a batch, both terms per input pixel:
   * (paper eq. 3) mean ‖d(e(x)) − x‖² + λ‖f(e(x))‖₁, here (1/Bn)Σ‖d−x‖² + λ(1/Bn)Σ‖f(z)‖₁
   * (or another data term, see `sparseLoss`; `lnPerUnit` for the relative ones). Rows flagged in
   * `isotropy` are measured on the reconstruction averaged over pixels of equal |q|.
   */
  loss(
    x: tf.Tensor2D,
    lambda: number,
    loss: LossKind = "mse",
    lnPerUnit = 0,
    isotropy?: IsotropicRows,
  ): tf.Scalar {
    return tf.tidy(() => {
      const z = this.encode(x);
      const y = this.decode(z);
      // Flagged images are measured as they will decode: averaged over equal |q|.
      const seen = isotropy ? projectIsotropicTensor(y, isotropy.flags, isotropy.classes) : y;
      return sparseLoss(seen, x, z, lambda, this.arch.f, loss, lnPerUnit);
    });
  }

  /** Copies of the current weights, in `weightShapes` order (async: any backend). */
  async readWeights(): Promise<Float32Array[]> {
    return await Promise.all(
      this.variables.map(async (v) => (await v.data() as Float32Array).slice()),
    );
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** ‖f(z)‖₀ summed over a batch of latents laid out [count, ℓ] (exact zeros only). */
export function countNonzero(z: Float32Array, ell: number, f: Selector): number {
  let nonzero = 0;
  if (f === "z") {
    for (let i = 0; i < z.length; i++) if (z[i] !== 0) nonzero++;
    return nonzero;
  }
  for (let row = 0; row < z.length; row += ell) {
    for (let i = row; i < row + ell - 1; i++) if (z[i + 1] !== z[i]) nonzero++;
  }
  return nonzero;
}
