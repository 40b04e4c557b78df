/**
 * Cosine k-NN for sets too large for the scalar loop of `knn.ts` (the MNIST protocol compares
 * 2 000 × 8 000 codes of up to 6 272 entries): similarities of a block of test rows against
 * all training rows come from one tfjs matMul (OpenBLAS sgemm on the native cpu backend),
 * then the same rule as `knn.ts` picks and votes: neighbours by similarity, equal similarities
 * by lower training index; the majority label wins, a tie goes to the nearest tied label.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { accuracy, checkKnnArgs, insertNeighbour, normalizeRows, vote } from "../evaluate/knn.ts";

/** Test rows per matMul: 512 × 14 000 similarities is 29 MB. */
const TEST_BLOCK = 512;

/** Predicted label of every test row by cosine k-NN over the training rows (matMul blocks). */
export async function knnPredictBlas(
  train: Float32Array,
  trainLabels: Int32Array,
  test: Float32Array,
  dim: number,
  k = 5,
): Promise<Int32Array> {
  checkKnnArgs(train, trainLabels, test, dim, k);
  const trainRows = trainLabels.length;
  const testRows = test.length / dim;
  const predictions = new Int32Array(testRows).fill(-1);
  const kk = Math.min(k, trainRows);
  if (kk === 0 || testRows === 0) return predictions;
  const normalizedTest = normalizeRows(test, dim);
  const trainTensor = tf.tensor2d(normalizeRows(train, dim), [trainRows, dim]);
  const sims = new Float64Array(kk);
  const ids = new Int32Array(kk);
  try {
    for (let t0 = 0; t0 < testRows; t0 += TEST_BLOCK) {
      const rows = Math.min(TEST_BLOCK, testRows - t0);
      const block = normalizedTest.subarray(t0 * dim, (t0 + rows) * dim);
      const product = tf.tidy(() =>
        tf.matMul(tf.tensor2d(block, [rows, dim]), trainTensor, false, true)
      );
      const similarities = await product.data() as Float32Array;
      product.dispose();
      for (let t = 0; t < rows; t++) {
        nearest(similarities, t * trainRows, trainRows, sims, ids);
        predictions[t0 + t] = vote(ids, trainLabels);
      }
    }
  } finally {
    trainTensor.dispose();
  }
  return predictions;
}

/** Fraction of test rows whose k-NN prediction (matMul blocks) equals their label. */
export async function knnAccuracyBlas(
  train: Float32Array,
  trainLabels: Int32Array,
  test: Float32Array,
  testLabels: Int32Array,
  dim: number,
  k = 5,
): Promise<number> {
  return accuracy(await knnPredictBlas(train, trainLabels, test, dim, k), testLabels);
}

/** The sims.length most similar training rows of one row of similarities, best first. */
function nearest(
  similarities: Float32Array,
  offset: number,
  trainRows: number,
  sims: Float64Array,
  ids: Int32Array,
): void {
  const k = sims.length;
  sims.fill(-Infinity);
  ids.fill(-1);
  for (let r = 0; r < trainRows; r++) {
    const s = similarities[offset + r];
    if (s > sims[k - 1]) insertNeighbour(sims, ids, 0, k, s, r);
  }
}
