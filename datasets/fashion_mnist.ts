/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from Debian's `dataset-fashion-mnist`: the
 * 60 000 + 10 000 images of the four IDX files, pooled into one set of 70 000 (the protocol
 * draws its own 20 / 80 split), pixels scaled from 0…255 to [0, 1].
 * @module
 */

import { FormatError, UsageError } from "../pipeline/errors.ts";
import { readIdxFile } from "./idx.ts";
import type { LabeledImages } from "./labeled_images.ts";

/** Where `apt-get install dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

const PARTS = ["train", "t10k"] as const;

/** Loads both Fashion-MNIST parts from `dir` (train first); UsageError when not installed. */
export async function loadFashionMnist(dir = FASHION_MNIST_DIR): Promise<LabeledImages> {
  const parts = [];
  for (const part of PARTS) {
    const imagesPath = `${dir}/${part}-images-idx3-ubyte.gz`;
    const labelsPath = `${dir}/${part}-labels-idx1-ubyte.gz`;
    for (const path of [imagesPath, labelsPath]) {
      if (!(await exists(path))) {
        throw new UsageError(
          `--dataset fashion: ${path} not found; run: apt-get install -y dataset-fashion-mnist`,
        );
      }
    }
    const images = await readIdxFile(imagesPath);
    const labels = await readIdxFile(labelsPath);
    if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
      throw new FormatError(
        `${imagesPath}: dims [${images.dims}] do not match ${labelsPath} dims [${labels.dims}] (expected [N, 28, 28] and [N])`,
      );
    }
    parts.push({ images: images.data, labels: labels.data, n: images.dims[1] * images.dims[2] });
  }
  const n = parts[0].n;
  if (parts.some((p) => p.n !== n)) {
    throw new FormatError(`${dir}: train and t10k image sizes differ`);
  }
  const total = parts.reduce((s, p) => s + p.labels.length, 0);
  const images = new Float32Array(total * n);
  const labels = new Int32Array(total);
  let row = 0;
  for (const p of parts) {
    scaleBytes(p.images, images, row * n);
    labels.set(p.labels, row);
    row += p.labels.length;
  }
  return { name: `Fashion-MNIST (${dir})`, n, images, labels };
}

/** Writes bytes/255 into `out` from `offset`. */
function scaleBytes(bytes: Uint8Array, out: Float32Array, offset: number): void {
  const scale = 1 / 255;
  for (let i = 0; i < bytes.length; i++) out[offset + i] = bytes[i] * scale;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
