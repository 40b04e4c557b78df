/**
 * k-sparse latents (Makhzani & Frey, "k-Sparse Autoencoders", 2013; Gao et al., "Scaling and
 * evaluating sparse autoencoders", 2024): after the encoder's ReLU only each image's k largest
 * activations are kept. The rate is then exactly bounded (≤ k non-zeros per code) without an L1
 * penalty shrinking the values, so λ can be 0 and the loss is the reconstruction error alone.
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/**
 * 1 where z[row, i] is among the row's `k` largest positive values, else 0 ([rows × ell]).
 * Ties at the k-th value keep the lower indices, so a row never keeps more than k.
 */
export function topKMask(z: Float32Array, ell: number, k: number): Float32Array {
  const mask = new Float32Array(z.length);
  const positives = new Float32Array(ell);
  for (let row = 0; row < z.length; row += ell) {
    let count = 0;
    for (let i = row; i < row + ell; i++) if (z[i] > 0) positives[count++] = z[i];
    if (count <= k) {
      for (let i = row; i < row + ell; i++) if (z[i] > 0) mask[i] = 1;
      continue;
    }
    const sorted = positives.subarray(0, count).sort();
    const kth = sorted[count - k];
    let above = 0;
    for (let j = count - k + 1; j < count; j++) if (sorted[j] > kth) above++;
    let ties = k - above;
    for (let i = row; i < row + ell; i++) {
      if (z[i] > kth) mask[i] = 1;
      else if (z[i] === kth && ties > 0) mask[i] = 1, ties--;
    }
  }
  return mask;
}

/**
 * z with all but each row's k largest positive entries set to 0; the gradient passes through the
 * kept entries only (the selection itself is piecewise constant).
 */
export function keepTopK(z: tf.Tensor2D, k: number): tf.Tensor2D {
  const select = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const [rows, ell] = input.shape;
    const mask = tf.tensor2d(topKMask(input.dataSync() as Float32Array, ell, k), [rows, ell]);
    save([mask]);
    return {
      value: tf.mul(input, mask),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]),
    };
  });
  return select(z) as tf.Tensor2D;
}
