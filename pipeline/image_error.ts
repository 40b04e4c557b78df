/**
 * Error measures between images and their reconstructions, the ground floor that training,
 * coding, evaluation and the baselines all measure with.
 * @module
 */

/** Mean over images of ‖x − x̂‖₂ / ‖x‖₂ (images of `imageSize` values; zero images count 0). */
export function meanRelativeL2Error(
  x: Float32Array,
  xhat: Float32Array,
  imageSize: number,
): number {
  const count = x.length / imageSize;
  let sum = 0;
  for (let k = 0; k < count; k++) {
    let num = 0;
    let den = 0;
    for (let i = k * imageSize, end = i + imageSize; i < end; i++) {
      const d = x[i] - xhat[i];
      num += d * d;
      den += x[i] * x[i];
    }
    sum += den > 0 ? Math.sqrt(num / den) : num > 0 ? Infinity : 0;
  }
  return sum / count;
}
