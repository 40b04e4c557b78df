/**
 * The refinement objective (codec/refine.ts): each image's error of record for decoded latents,
 * and its gradient in z through the decoder.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { dense } from "../models/native_ops.ts";
import { lnPerNetworkUnit } from "../models/transform.ts";
import { projectIsotropic } from "../models/isotropy.ts";
import type { TrainedModel } from "../models/trained_model.ts";
import type { RefineMetric } from "./refine.ts";

const SQRT_EPSILON = 1e-24;

/**
 * Per-image error of decoded latents against the network inputs, and its gradient in z. Rows
 * flagged in `isotropic` are measured on the decoder's output averaged over pixels of equal |q|
 * (models/isotropy.ts), as their codes will decode.
 */
export class RefineObjective {
  readonly #k: number | undefined;
  readonly #weights: Float64Array | null;
  readonly #n: number;

  constructor(
    readonly model: TrainedModel,
    readonly x: Float32Array,
    readonly rows: number,
    readonly metric: RefineMetric,
    readonly isotropic?: Uint8Array,
  ) {
    this.#n = model.arch.n;
    this.#k = lnPerNetworkUnit(model.transform);
    this.#weights = metric === "rel_l2" && this.#k !== undefined ? this.#intensityWeights() : null;
  }

  /** rel_l2 under a log transform: pixel weights I²/ΣI² of each image, from its inputs. */
  #intensityWeights(): Float64Array {
    const n = this.#n;
    const w = new Float64Array(this.x.length);
    const twoK = 2 * this.#k!;
    for (let r = 0; r < this.rows; r++) {
      let top = -Infinity;
      for (let p = r * n; p < (r + 1) * n; p++) top = Math.max(top, this.x[p]);
      let sum = 0;
      for (let p = r * n; p < (r + 1) * n; p++) sum += w[p] = Math.exp(twoK * (this.x[p] - top));
      for (let p = r * n; p < (r + 1) * n; p++) w[p] /= sum;
    }
    return w;
  }

  /**
   * Errors e per image of latents `z` [rows × ℓ] (the metric exactly); with `withGradient` also
   * `smooth`, the same with each pixel's r continued linearly past a 10× over-estimate (equal to e
   * where no pixel is that far off), and its gradient ∂(Σ smooth)/∂z, which descent follows.
   */
  async evaluate(
    z: Float32Array,
    withGradient: boolean,
  ): Promise<{ errors: Float64Array; smooth?: Float64Array; gradient?: Float32Array }> {
    const [, , , , w3, b3, w4, b4] = this.model.network.variables;
    const { ell } = this.model.arch;
    const zt = tf.tensor2d(z, [this.rows, ell]);
    const hidden = dense(zt, w3, b3, true);
    const yt = dense(hidden, w4, b4, false);
    const classes = this.isotropic ? this.model.radialClasses : undefined;
    const raw = await yt.data() as Float32Array;
    const y = classes ? raw.slice() : raw;
    yt.dispose();
    if (classes) projectIsotropic(y, this.isotropic!, classes);
    const { errors, smooth, dy } = this.#errors(y, withGradient);
    if (!withGradient) {
      tf.dispose([zt, hidden]);
      return { errors };
    }
    // P is an orthogonal projection: the gradient in the decoder's output is P of that in Py.
    if (classes) projectIsotropic(dy!, this.isotropic!, classes);
    const gt = tf.tidy(() => {
      const dyt = tf.tensor2d(dy!, [this.rows, this.#n]);
      const dh = tf.mul(tf.matMul(dyt, w4 as tf.Tensor2D, false, true), tf.step(hidden));
      return tf.matMul(dh as tf.Tensor2D, w3 as tf.Tensor2D, false, true);
    });
    const gradient = (await gt.data() as Float32Array).slice();
    tf.dispose([gt, zt, hidden]);
    return { errors, smooth, gradient };
  }

  /** e per image of decoder outputs y [rows × n] (no projection: the caller's y is final). */
  errorsOf(y: Float32Array): Float64Array {
    return this.#errors(y, false).errors;
  }

  /**
   * e per image from outputs y; with `withGradient` the smooth e and ∂(smooth e)/∂y too (without,
   * `smooth` stays zero).
   */
  #errors(
    y: Float32Array,
    withGradient: boolean,
  ): { errors: Float64Array; smooth: Float64Array; dy?: Float32Array } {
    const n = this.#n;
    const x = this.x;
    const k = this.#k;
    const errors = new Float64Array(this.rows);
    const smooth = new Float64Array(this.rows);
    const dy = withGradient ? new Float32Array(y.length) : undefined;
    // r: relative error of each pixel (rs: its smooth form), dr: ∂rs/∂y, w: weight of r² in e².
    const r = new Float64Array(n);
    const rs = new Float64Array(n);
    const dr = new Float64Array(n);
    const w = new Float64Array(n);
    for (let row = 0; row < this.rows; row++) {
      const at = row * n;
      if (k !== undefined) {
        for (let p = 0; p < n; p++) {
          // Î/I = e^{k(y − x)}; past a 10× over-estimate rs goes on linearly (no overflow).
          const d = k * (y[at + p] - x[at + p]);
          r[p] = Math.expm1(d);
          w[p] = this.#weights ? this.#weights[at + p] : 1 / n;
          // Without a gradient only e is wanted: no exp for the smooth form (half the time).
          if (!withGradient) continue;
          const e = Math.exp(Math.min(d, Math.LN10));
          rs[p] = d > Math.LN10 ? e * (1 + d - Math.LN10) - 1 : r[p];
          dr[p] = e * k;
        }
      } else {
        linearErrors(x.subarray(at, at + n), y.subarray(at, at + n), this.metric, r, dr, w);
        rs.set(r);
      }
      let e2 = 0;
      for (let p = 0; p < n; p++) e2 += w[p] * r[p] * r[p];
      errors[row] = Math.sqrt(e2 + SQRT_EPSILON);
      if (!dy) continue;
      let s2 = 0;
      for (let p = 0; p < n; p++) s2 += w[p] * rs[p] * rs[p];
      const e = smooth[row] = Math.sqrt(s2 + SQRT_EPSILON);
      for (let p = 0; p < n; p++) dy[at + p] = (w[p] * rs[p] * dr[p]) / e;
    }
    return { errors, smooth, dy };
  }
}

/**
 * The linear transform's r, ∂r/∂y and weights: rms_rel over pixels with x ≠ 0 (r = (y − x)/x),
 * rel_l2 as (y − x) weighted 1/Σx² (an all-zero image weighs its pixels 1/n).
 */
function linearErrors(
  x: Float32Array,
  y: Float32Array,
  metric: RefineMetric,
  r: Float64Array,
  dr: Float64Array,
  w: Float64Array,
): void {
  const n = x.length;
  if (metric === "rms_rel") {
    let nonzero = 0;
    for (let p = 0; p < n; p++) if (x[p] !== 0) nonzero++;
    for (let p = 0; p < n; p++) {
      const skip = x[p] === 0;
      r[p] = skip ? 0 : (y[p] - x[p]) / x[p];
      dr[p] = skip ? 0 : 1 / x[p];
      w[p] = 1 / Math.max(nonzero, 1);
    }
    return;
  }
  let energy = 0;
  for (let p = 0; p < n; p++) energy += x[p] * x[p];
  for (let p = 0; p < n; p++) {
    r[p] = y[p] - x[p];
    dr[p] = 1;
    w[p] = energy > 0 ? 1 / energy : 1 / n;
  }
}
