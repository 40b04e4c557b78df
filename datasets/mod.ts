/**
 * The `datasets/` stage: labelled image sets for the paper's MNIST protocol (Table 1) and the
 * IDX reader they need. Re-exports only.
 * @module
 */

export { FASHION_MNIST_DIR, loadFashionMnist } from "./fashion_mnist.ts";
export { gunzipIfNeeded, type IdxArray, parseIdx, readIdxFile } from "./idx.ts";
export {
  imageCount,
  type LabeledImages,
  selectRows,
  type SplitOptions,
  splitTrainTest,
  type TrainTestSplit,
} from "./labeled_images.ts";
export { seededPermutation } from "../pipeline/seeded_random.ts";
export { checkPixels, loadMnistDigits, MNIST_PIXELS } from "./mnist_digits.ts";
