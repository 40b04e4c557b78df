/**
 * Isotropy, the commonest symmetry of SAS images: a sample of randomly oriented particles (or any
 * orientation average) scatters I(q) = I(|q|). On a detector grid centred on the beam, with equal
 * spacing along both axes, every pixel at the same distance from the centre then holds the same
 * intensity. A code may say its image is isotropic (codec/image_code.ts): the decoder's output is
 * then averaged over each class of pixels at equal |q| (the network domain, before the inverse
 * transform), so angular wiggles of the decoder cancel while an isotropic image is unchanged.
 *
 * Classes are exact: pixel (i, j) of an h × w grid sits at (2i − h + 1, 2j − w + 1) half-pixels
 * from the centre, and two pixels share a class when their squared distances are equal integers.
 * Averaging over a class is an orthogonal projection P (Pᵀ = P, P² = P), so the gradient of an
 * error of Py is P applied to the error's gradient in Py.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { type InputTransform, lnPerNetworkUnit } from "./transform.ts";

/**
 * An image whose network input is within this RMS relative distance of its own equal-|q|
 * averages counts as isotropic: refined (compress `--isotropy`) and trained (train `--isotropy`)
 * for the averaged decoding.
 */
export const ISOTROPY_TOLERANCE = 0.01;

/** Which rows of a batch are isotropic, and the classes to average them over. */
export interface IsotropicRows {
  flags: Uint8Array;
  classes: RadialClasses;
}

/** The classes of pixels at equal distance from the centre of an h × w grid. */
export interface RadialClasses {
  /** Class of each pixel, row-major. */
  classOf: Int32Array;
  /** Pixels in each class. */
  size: Float64Array;
}

const cache = new Map<string, RadialClasses>();

/** The classes of a model's images: `imageShape` [h, w], or a 1-D profile of `n` pixels. */
export function radialClassesOf(imageShape: readonly number[], n: number): RadialClasses {
  return imageShape.length === 2
    ? radialClasses(imageShape[0], imageShape[1])
    : radialClasses(1, n);
}

/** The equal-|q| classes of an `height` × `width` grid (computed once per shape). */
export function radialClasses(height: number, width: number): RadialClasses {
  const key = `${height}x${width}`;
  const known = cache.get(key);
  if (known) return known;
  const squared = new Float64Array(height * width);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      squared[i * width + j] = (2 * i - height + 1) ** 2 + (2 * j - width + 1) ** 2;
    }
  }
  const distinct = [...new Set(squared)].sort((a, b) => a - b);
  const index = new Map(distinct.map((d, k) => [d, k]));
  const classOf = Int32Array.from(squared, (d) => index.get(d)!);
  const size = new Float64Array(distinct.length);
  for (const c of classOf) size[c]++;
  const classes = { classOf, size };
  cache.set(key, classes);
  return classes;
}

/**
 * Replaces each flagged row of `values` [rows × pixels] by its averages over `classes` (in
 * place); rows whose flag is 0 are left as they are.
 */
export function projectIsotropic(
  values: Float32Array,
  flags: Uint8Array,
  classes: RadialClasses,
): void {
  const pixels = classes.classOf.length;
  const sums = new Float64Array(classes.size.length);
  for (let r = 0; r < flags.length; r++) {
    if (!flags[r]) continue;
    const row = values.subarray(r * pixels, (r + 1) * pixels);
    sums.fill(0);
    for (let p = 0; p < pixels; p++) sums[classes.classOf[p]] += row[p];
    for (let c = 0; c < sums.length; c++) sums[c] /= classes.size[c];
    for (let p = 0; p < pixels; p++) row[p] = sums[classes.classOf[p]];
  }
}

/**
 * Root mean square over the pixels of each row of `values` [rows × pixels] of its distance from
 * its own class averages: 0 for an exactly isotropic row.
 */
export function anisotropy(values: Float32Array, classes: RadialClasses): Float64Array {
  const pixels = classes.classOf.length;
  const rows = values.length / pixels;
  const projected = values.slice();
  projectIsotropic(projected, new Uint8Array(rows).fill(1), classes);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let p = r * pixels; p < (r + 1) * pixels; p++) sum += (values[p] - projected[p]) ** 2;
    out[r] = Math.sqrt(sum / pixels);
  }
  return out;
}

/**
 * 1 for each row of network inputs `x` [rows × pixels] (under `transform`) within
 * {@linkcode ISOTROPY_TOLERANCE} (RMS, relative) of isotropic: its distance from its class
 * averages in ln units of intensity for a log transform, or relative to the row's own RMS value
 * for a linear one.
 */
export function isotropicRows(
  x: Float32Array,
  classes: RadialClasses,
  transform: InputTransform,
): Uint8Array {
  const n = classes.classOf.length;
  const lnPerUnit = lnPerNetworkUnit(transform);
  return Uint8Array.from(anisotropy(x, classes), (d, r) => {
    if (lnPerUnit !== undefined) return lnPerUnit * d <= ISOTROPY_TOLERANCE ? 1 : 0;
    let sum = 0;
    for (let p = r * n; p < (r + 1) * n; p++) sum += x[p] * x[p];
    return d <= ISOTROPY_TOLERANCE * Math.sqrt(sum / n) ? 1 : 0;
  });
}

/**
 * {@linkcode projectIsotropic} as a tfjs op on y [rows × pixels], for training: its gradient is
 * the same projection of the incoming gradient (P is symmetric).
 */
export function projectIsotropicTensor(
  y: tf.Tensor2D,
  flags: Uint8Array,
  classes: RadialClasses,
): tf.Tensor2D {
  const apply = (t: tf.Tensor) => {
    const values = (t.dataSync() as Float32Array).slice();
    projectIsotropic(values, flags, classes);
    return tf.tensor2d(values, t.shape as [number, number]);
  };
  const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: apply(inputs[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => apply(dy),
  }));
  return op(y) as tf.Tensor2D;
}
