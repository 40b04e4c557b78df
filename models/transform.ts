/**
 * The invertible input transforms, chosen with `train --transform` and stored in
 * `sasquash.json`. SAS intensities span 5–20 decades, and most of the variance of log10 I across
 * a data set is each image's own offset, so the default takes that offset out per image and
 * carries it in the image's code:
 *
 * - `log-image` (`log10-per-image`): t = (log10 max(I, floor) − oᵢ) / std, oᵢ the image's mean
 *   log10 intensity rounded to 1/256 decade;
 * - `linear-max` (`linear-per-image-max`): t = I / sᵢ, sᵢ ≥ max |I| a power of 10 on the same
 *   1/256-decade grid (the paper's likely setting);
 * - `log-global` (`log10-standardized`): t = (log10 max(I, floor) − mean) / std over the data set
 *   (the first models' transform; no per-image side information).
 *
 * A per-image transform's side information is one int16 per image (the grid index of oᵢ or of
 * log10 sᵢ); the encoder uses the rounded value, so decoding inverts exactly what the network saw.
 * @module
 */

import { FormatError, TrainedModelError } from "../pipeline/errors.ts";

/** Standardized log10 over the whole data set (no per-image side information). */
export interface LogTransform {
  kind: "log10-standardized";
  /** Intensities below this (including zeros and noise-negatives) are clamped to it. */
  floor: number;
  mean: number;
  std: number;
}

/** log10 minus each image's own (rounded) mean, divided by a data-set std. */
export interface PerImageLogTransform {
  kind: "log10-per-image";
  /** Intensities below this (including zeros and noise-negatives) are clamped to it. */
  floor: number;
  std: number;
}

/** Linear intensity divided by a per-image scale just above the image's max |I|. */
export interface LinearMaxTransform {
  kind: "linear-per-image-max";
}

/** Any of the input transforms a model may store. */
export type InputTransform = LogTransform | PerImageLogTransform | LinearMaxTransform;

/** `--transform` names, in the order help lists them (the first is the default). */
export const TRANSFORMS = ["log-image", "linear-max", "log-global"] as const;

/** A `--transform` value. */
export type TransformName = typeof TRANSFORMS[number];

/**
 * Grid points per decade of the per-image side information. 1/256 decade is far finer than
 * anything the network resolves (the encoder uses the rounded value anyway), and an int16 then
 * spans ±128 decades: every finite float32 (1e−45 … 3.4e38) fits.
 */
export const SCALE_STEPS_PER_DECADE = 256;

/** Bytes of per-image side information in each code of a model with transform `t`. */
export function sideInfoBytes(t: InputTransform): number {
  return t.kind === "log10-standardized" ? 0 : 2;
}

/** Throws FormatError (naming `source` and the image) if any value is NaN or infinite. */
export function assertFinite(values: Float32Array, pixels: number, source: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const image = Math.floor(i / pixels);
      throw new FormatError(`${source}: image ${image} pixel ${i % pixels} is ${values[i]}`);
    }
  }
}

/** Smallest positive value of a sample (the log transforms' floor); FormatError when none. */
function positiveFloor(sample: Float32Array, source: string): number {
  let floor = Infinity;
  for (let i = 0; i < sample.length; i++) {
    const value = sample[i];
    if (!Number.isFinite(value)) throw new FormatError(`${source}: value ${i} is ${value}`);
    if (value > 0 && value < floor) floor = value;
  }
  if (floor === Infinity) throw new FormatError(`${source}: no positive intensity in the sample`);
  return floor;
}

/**
 * ln units of intensity per network unit (ln 10 · std) for the log transforms, where Î/I =
 * e^{k(y − x)} above the floor; undefined for `linear-max`, where error is not a ratio of units.
 */
export function lnPerNetworkUnit(t: InputTransform): number | undefined {
  return t.kind === "linear-per-image-max" ? undefined : Math.LN10 * t.std;
}

/** Fits floor, mean and std of log10 intensity on a sample of images (`log-global`). */
export function fitLogTransform(sample: Float32Array, source = "training data"): LogTransform {
  const floor = positiveFloor(sample, source);
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < sample.length; i++) {
    const log = Math.log10(Math.max(sample[i], floor));
    sum += log;
    sumSquares += log * log;
  }
  const mean = sum / sample.length;
  const variance = Math.max(sumSquares / sample.length - mean * mean, 0);
  return { kind: "log10-standardized", floor, mean, std: Math.sqrt(variance) || 1 };
}

/** Fits the transform `name` on a sample of images of `pixels` values each. */
export function fitTransform(
  name: TransformName,
  sample: Float32Array,
  pixels: number,
  source = "training data",
): InputTransform {
  if (name === "log-global") return fitLogTransform(sample, source);
  if (name === "linear-max") return { kind: "linear-per-image-max" };
  const floor = positiveFloor(sample, source);
  const partial: PerImageLogTransform = { kind: "log10-per-image", floor, std: 1 };
  const centered = toNetwork(partial, sample, imageScales(partial, sample, pixels, source));
  let sumSquares = 0;
  for (let i = 0; i < centered.length; i++) sumSquares += centered[i] * centered[i];
  return { ...partial, std: Math.sqrt(sumSquares / centered.length) || 1 };
}

/**
 * The per-image side information of `images` ([count × pixels]): grid indices of each image's
 * mean log10 intensity (`log10-per-image`) or of log10 of its scale (`linear-per-image-max`);
 * zeros for `log10-standardized`. (No finite float32 image falls outside the int16 range.)
 */
export function imageScales(
  t: InputTransform,
  images: Float32Array,
  pixels: number,
  source = "input",
): Int16Array {
  const count = images.length / pixels;
  const out = new Int16Array(count);
  if (t.kind === "log10-standardized") return out;
  for (let k = 0; k < count; k++) {
    let value = 0;
    if (t.kind === "log10-per-image") {
      for (let i = k * pixels; i < (k + 1) * pixels; i++) {
        value += Math.log10(Math.max(images[i], t.floor));
      }
      value = Math.round((value / pixels) * SCALE_STEPS_PER_DECADE);
    } else {
      let max = 0;
      for (let i = k * pixels; i < (k + 1) * pixels; i++) max = Math.max(max, Math.abs(images[i]));
      value = max > 0 ? Math.ceil(Math.log10(max) * SCALE_STEPS_PER_DECADE) : 0;
      // log10 rounding can leave 10^(value/steps) a hair under max: step up until it covers.
      while (max > 0 && scaleOf(value) < max) value++;
    }
    if (!(Math.abs(value) <= 32767)) {
      throw new FormatError(
        `${source}: image ${k}: intensity scale 1e${
          (value / SCALE_STEPS_PER_DECADE).toFixed(1)
        } is outside the ±128 decades a code can carry`,
      );
    }
    out[k] = value;
  }
  return out;
}

/** 10^(index / steps): the per-image value a side-information index stands for. */
function scaleOf(index: number): number {
  return 10 ** (index / SCALE_STEPS_PER_DECADE);
}

/**
 * Intensities [count × pixels] → network input, in a new array. Per-image transforms need the
 * images' `scales` (from {@linkcode imageScales}).
 */
export function toNetwork(
  t: InputTransform,
  intensity: Float32Array,
  scales?: Int16Array,
): Float32Array {
  const out = new Float32Array(intensity.length);
  if (t.kind === "log10-standardized") {
    const scale = 1 / t.std;
    for (let i = 0; i < out.length; i++) {
      out[i] = (Math.log10(Math.max(intensity[i], t.floor)) - t.mean) * scale;
    }
    return out;
  }
  if (!scales) throw new Error(`toNetwork: the ${t.kind} transform needs per-image scales`);
  const pixels = intensity.length / scales.length;
  for (let k = 0; k < scales.length; k++) {
    const from = k * pixels, to = from + pixels;
    if (t.kind === "log10-per-image") {
      const offset = scales[k] / SCALE_STEPS_PER_DECADE, scale = 1 / t.std;
      for (let i = from; i < to; i++) {
        out[i] = (Math.log10(Math.max(intensity[i], t.floor)) - offset) * scale;
      }
    } else {
      const inverse = 1 / scaleOf(scales[k]);
      for (let i = from; i < to; i++) out[i] = intensity[i] * inverse;
    }
  }
  return out;
}

/**
 * Network output → intensities, in a new array (the exact inverse of `toNetwork` above the
 * floor). Per-image transforms need the images' `scales`.
 */
export function toIntensity(
  t: InputTransform,
  network: Float32Array,
  scales?: Int16Array,
): Float32Array {
  const out = new Float32Array(network.length);
  if (t.kind === "log10-standardized") {
    for (let i = 0; i < out.length; i++) out[i] = 10 ** (network[i] * t.std + t.mean);
    return out;
  }
  if (!scales) throw new Error(`toIntensity: the ${t.kind} transform needs per-image scales`);
  const pixels = network.length / scales.length;
  for (let k = 0; k < scales.length; k++) {
    const from = k * pixels, to = from + pixels;
    if (t.kind === "log10-per-image") {
      const offset = scales[k] / SCALE_STEPS_PER_DECADE;
      for (let i = from; i < to; i++) out[i] = 10 ** (network[i] * t.std + offset);
    } else {
      const scale = scaleOf(scales[k]);
      for (let i = from; i < to; i++) out[i] = network[i] * scale;
    }
  }
  return out;
}

/** Validates a transform read from `sasquash.json` (`file` names it in errors). */
export function parseTransform(value: unknown, file: string): InputTransform {
  const t = value as Record<string, unknown> | null;
  const kinds = ["log10-standardized", "log10-per-image", "linear-per-image-max"];
  if (t === null || typeof t !== "object" || !kinds.includes(t.kind as string)) {
    throw new TrainedModelError(`${file}: transform.kind must be one of ${kinds.join(", ")}`);
  }
  if (t.kind === "linear-per-image-max") return { kind: "linear-per-image-max" };
  const fields = t.kind === "log10-standardized" ? ["floor", "mean", "std"] : ["floor", "std"];
  for (const field of fields) {
    if (typeof t[field] !== "number" || !Number.isFinite(t[field])) {
      throw new TrainedModelError(`${file}: transform.${field} must be a finite number`);
    }
  }
  if (!((t.floor as number) > 0) || !((t.std as number) > 0)) {
    throw new TrainedModelError(`${file}: transform.floor and transform.std must be positive`);
  }
  return t.kind === "log10-standardized"
    ? { kind: t.kind, floor: t.floor as number, mean: t.mean as number, std: t.std as number }
    : { kind: "log10-per-image", floor: t.floor as number, std: t.std as number };
}
