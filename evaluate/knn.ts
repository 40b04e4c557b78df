/**
 * Cosine-similarity k-nearest-neighbour classification, used to check that latent codes keep
 * what tells SAS model families apart (arXiv 2405.14270, KNN in latent vs image space).
 *
 * Rows are normalized once; similarities are dot products computed in blocks of test rows so
 * each training row is read once per block. Neighbours are ordered by similarity, equal
 * similarities by lower training index. The vote is the majority of the k labels; a tie
 * between labels goes to the tied label of the nearest neighbour.
 * @module
 */
import { UsageError } from "../pipeline/errors.ts";

const TEST_BLOCK = 32;

/** A copy of `data` ([rows × dim]) with every row scaled to unit length (zero rows stay zero). */
export function normalizeRows(data: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < data.length / dim; r++) {
    const o = r * dim;
    let s = 0;
    for (let i = 0; i < dim; i++) s += data[o + i] * data[o + i];
    const scale = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let i = 0; i < dim; i++) out[o + i] = data[o + i] * scale;
  }
  return out;
}

/**
 * Throws a UsageError unless train is trainLabels.length whole rows of dim, test is whole rows
 * of dim and k is an integer ≥ 1 (shared by the scalar and matMul k-NN).
 */
export function checkKnnArgs(
  train: Float32Array,
  trainLabels: Int32Array,
  test: Float32Array,
  dim: number,
  k: number,
): void {
  if (train.length !== trainLabels.length * dim || test.length % dim !== 0) {
    throw new UsageError(`knn: arrays are not whole rows of ${dim}`);
  }
  if (!(Number.isInteger(k) && k >= 1)) throw new UsageError(`knn: k must be ≥ 1, got ${k}`);
}

/** Predicted label of every test row by cosine k-NN over the training rows. */
export function knnPredict(
  train: Float32Array,
  trainLabels: Int32Array,
  test: Float32Array,
  dim: number,
  k = 5,
): Int32Array {
  checkKnnArgs(train, trainLabels, test, dim, k);
  const trainRows = trainLabels.length;
  const kk = Math.min(k, trainRows);
  const a = normalizeRows(train, dim);
  const b = normalizeRows(test, dim);
  const testRows = test.length / dim;
  const predictions = new Int32Array(testRows).fill(-1);
  if (kk === 0) return predictions;
  const sims = new Float64Array(TEST_BLOCK * kk);
  const ids = new Int32Array(TEST_BLOCK * kk);
  const quad = new Float64Array(4);
  for (let t0 = 0; t0 < testRows; t0 += TEST_BLOCK) {
    const rows = Math.min(TEST_BLOCK, testRows - t0);
    sims.fill(-Infinity);
    ids.fill(-1);
    for (let r = 0; r < trainRows; r++) {
      let t = 0;
      for (; t + 4 <= rows; t += 4) {
        dot4(a, r * dim, b, (t0 + t) * dim, dim, quad);
        for (let j = 0; j < 4; j++) {
          const at = (t + j) * kk;
          if (quad[j] > sims[at + kk - 1]) insertNeighbour(sims, ids, at, kk, quad[j], r);
        }
      }
      for (; t < rows; t++) {
        const s = dot(a, r * dim, b, (t0 + t) * dim, dim);
        if (s > sims[t * kk + kk - 1]) insertNeighbour(sims, ids, t * kk, kk, s, r);
      }
    }
    for (let t = 0; t < rows; t++) {
      predictions[t0 + t] = vote(ids.subarray(t * kk, (t + 1) * kk), trainLabels);
    }
  }
  return predictions;
}

/** Fraction of test rows whose k-NN prediction equals their label. */
export function knnAccuracy(
  train: Float32Array,
  trainLabels: Int32Array,
  test: Float32Array,
  testLabels: Int32Array,
  dim: number,
  k = 5,
): number {
  return accuracy(knnPredict(train, trainLabels, test, dim, k), testLabels);
}

/** Fraction of `predicted` labels equal to `labels` (0 for none). */
export function accuracy(predicted: Int32Array, labels: Int32Array): number {
  let right = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) right++;
  return predicted.length ? right / predicted.length : 0;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += a[ao + i] * b[bo + i];
  return s;
}

/** Dot products of row `ao` of a with four consecutive rows of b from `bo` (a read once). */
function dot4(
  a: Float32Array,
  ao: number,
  b: Float32Array,
  bo: number,
  dim: number,
  out: Float64Array,
): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const b1 = bo + dim, b2 = bo + 2 * dim, b3 = bo + 3 * dim;
  for (let i = 0; i < dim; i++) {
    const x = a[ao + i];
    s0 += x * b[bo + i];
    s1 += x * b[b1 + i];
    s2 += x * b[b2 + i];
    s3 += x * b[b3 + i];
  }
  out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;
}

/** Inserts (s, r) into the descending list at [at, at + k); equal s keeps the earlier entry. */
export function insertNeighbour(
  sims: Float64Array,
  ids: Int32Array,
  at: number,
  k: number,
  s: number,
  r: number,
): void {
  let j = k - 1;
  while (j > 0 && sims[at + j - 1] < s) {
    sims[at + j] = sims[at + j - 1];
    ids[at + j] = ids[at + j - 1];
    j--;
  }
  sims[at + j] = s;
  ids[at + j] = r;
}

/**
 * Majority label of neighbours (training row ids, nearest first, -1 for none); ties go to the
 * nearest tied label; -1 when there is no neighbour.
 */
export function vote(neighbours: Int32Array, labels: Int32Array): number {
  const counts = new Map<number, number>();
  let best = -1, bestCount = 0;
  for (const id of neighbours) {
    if (id < 0) continue;
    const label = labels[id];
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  for (const id of neighbours) {
    if (id < 0) continue;
    const c = counts.get(labels[id])!;
    if (c > bestCount) best = labels[id], bestCount = c;
  }
  return best;
}
