/**
 * Train/test splits for the k-NN check, filled from the evaluation stream: the first
 * `trainSize` images are the training split, the next `testSize` the test split. Each image is
 * kept in two spaces: its decoded latent ẑ and its log-intensity image.
 * @module
 */
import { knnAccuracy } from "./knn.ts";

/** A fixed-capacity table of vectors of one space. */
class Rows {
  data: Float32Array;
  constructor(capacity: number, readonly dim: number) {
    this.data = new Float32Array(capacity * dim);
  }
}

/** Both splits in both spaces, with integer labels for the SAS model family. */
export class KnnSplit {
  #names = new Map<string, number>();
  #trainLabels: Int32Array;
  #testLabels: Int32Array;
  #train: Record<"latent" | "image", Rows>;
  #test: Record<"latent" | "image", Rows>;
  #filled = 0;

  constructor(
    readonly trainSize: number,
    readonly testSize: number,
    dims: { latent: number; image: number },
  ) {
    this.#trainLabels = new Int32Array(trainSize);
    this.#testLabels = new Int32Array(testSize);
    this.#train = {
      latent: new Rows(trainSize, dims.latent),
      image: new Rows(trainSize, dims.image),
    };
    this.#test = { latent: new Rows(testSize, dims.latent), image: new Rows(testSize, dims.image) };
  }

  /** Whether both splits are full (later images are not needed). */
  get full(): boolean {
    return this.#filled >= this.trainSize + this.testSize;
  }

  /** Images kept in the test split so far. */
  get testCount(): number {
    return Math.max(0, this.#filled - this.trainSize);
  }

  /** Keep images while there is room: `latents` [count × ℓ], `images` [count × n] (log scale). */
  add(families: string[], latents: Float32Array, images: Float32Array): void {
    const dl = this.#train.latent.dim, di = this.#train.image.dim;
    for (let i = 0; i < families.length && !this.full; i++, this.#filled++) {
      const inTrain = this.#filled < this.trainSize;
      const row = inTrain ? this.#filled : this.#filled - this.trainSize;
      const split = inTrain ? this.#train : this.#test;
      split.latent.data.set(latents.subarray(i * dl, (i + 1) * dl), row * dl);
      split.image.data.set(images.subarray(i * di, (i + 1) * di), row * di);
      (inTrain ? this.#trainLabels : this.#testLabels)[row] = this.#labelOf(families[i]);
    }
  }

  /** k-NN accuracy on the test split in `space`; null while the test split is empty. */
  accuracy(space: "latent" | "image", k = 5): number | null {
    const trainRows = Math.min(this.#filled, this.trainSize);
    const testRows = this.testCount;
    if (testRows === 0 || trainRows === 0) return null;
    const dim = this.#train[space].dim;
    return knnAccuracy(
      this.#train[space].data.subarray(0, trainRows * dim),
      this.#trainLabels.subarray(0, trainRows),
      this.#test[space].data.subarray(0, testRows * dim),
      this.#testLabels.subarray(0, testRows),
      dim,
      k,
    );
  }

  /** Sizes and family count, for the report. */
  describe(): { train: number; test: number; families: number } {
    return {
      train: Math.min(this.#filled, this.trainSize),
      test: this.testCount,
      families: this.#names.size,
    };
  }

  #labelOf(name: string): number {
    let id = this.#names.get(name);
    if (id === undefined) this.#names.set(name, id = this.#names.size);
    return id;
  }
}
