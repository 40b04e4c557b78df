/**
 * Cosine k-NN for sets too large for the scalar loop of `knn.ts` (the MNIST protocol compares
 * 2 000 × 8 000 codes of up to 6 272 entries): similarities of a block of test rows against
 * all training rows come from one tfjs matMul (OpenBLAS sgemm on the native cpu backend),
 * then the same rule as `knn.ts` picks and votes: neighbours by similarity, equal similarities
 * by lower training index; the majority label wins, a tie goes to the nearest tied label.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { UsageError } from "../pipeline/errors.ts";
import { accuracy, normalizeRows } from "./knn.ts";

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
  const trainRows = trainLabels.length;
  if (train.length !== trainRows * dim || test.length % dim !== 0) {
    throw new UsageError(`knn: arrays are not whole rows of ${dim}`);
  }
  if (!(Number.isInteger(k) && k >= 1)) throw new UsageError(`knn: k must be ≥ 1, got ${k}`);
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
    if (!(s > sims[k - 1])) continue;
    let j = k - 1;
    while (j > 0 && sims[j - 1] < s) {
      sims[j] = sims[j - 1];
      ids[j] = ids[j - 1];
      j--;
    }
    sims[j] = s;
    ids[j] = r;
  }
}

/** Majority label of neighbours (nearest first); ties go to the nearest tied label. */
function vote(neighbours: Int32Array, labels: Int32Array): number {
  const counts = new Map<number, number>();
  for (const id of neighbours) {
    if (id >= 0) counts.set(labels[id], (counts.get(labels[id]) ?? 0) + 1);
  }
  let best = -1, bestCount = 0;
  for (const id of neighbours) {
    if (id < 0) continue;
    const c = counts.get(labels[id])!;
    if (c > bestCount) best = labels[id], bestCount = c;
  }
  return best;
}
