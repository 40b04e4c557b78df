/**
 * The invertible input transform: SAS intensities span 5–20 decades, so the network sees
 * standardized log10 intensities, t = (log10 max(I, floor) − mean) / std, and reconstructions
 * are mapped back with I = 10^(t·std + mean). Stored in `sasquash.json` with the model.
 * @module
 */

import { FormatError, TrainedModelError } from "../pipeline/errors.ts";

/** Parameters of the standardized-log10 transform (stored with the model). */
export interface LogTransform {
  kind: "log10-standardized";
  /** Intensities below this (including zeros and noise-negatives) are clamped to it. */
  floor: number;
  mean: number;
  std: number;
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

/** Fits floor, mean and std of log10 intensity on a sample of images. */
export function fitLogTransform(sample: Float32Array, source = "training data"): LogTransform {
  let floor = Infinity;
  let maximum = 0;
  for (let i = 0; i < sample.length; i++) {
    const value = sample[i];
    if (!Number.isFinite(value)) throw new FormatError(`${source}: value ${i} is ${value}`);
    if (value > 0 && value < floor) floor = value;
    if (value > maximum) maximum = value;
  }
  if (!(maximum > 0)) throw new FormatError(`${source}: no positive intensity in the sample`);
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

/** Intensities → network input, in a new array. */
export function toNetwork(t: LogTransform, intensity: Float32Array): Float32Array {
  const out = new Float32Array(intensity.length);
  const scale = 1 / t.std;
  for (let i = 0; i < out.length; i++) {
    out[i] = (Math.log10(Math.max(intensity[i], t.floor)) - t.mean) * scale;
  }
  return out;
}

/** Network output → intensities, in a new array (the exact inverse of `toNetwork` above floor). */
export function toIntensity(t: LogTransform, network: Float32Array): Float32Array {
  const out = new Float32Array(network.length);
  for (let i = 0; i < out.length; i++) out[i] = 10 ** (network[i] * t.std + t.mean);
  return out;
}

/** Validates a transform read from `sasquash.json` (`file` names it in errors). */
export function parseLogTransform(value: unknown, file: string): LogTransform {
  const t = value as Partial<LogTransform> | null;
  if (t === null || typeof t !== "object" || t.kind !== "log10-standardized") {
    throw new TrainedModelError(`${file}: transform.kind must be "log10-standardized"`);
  }
  for (const field of ["floor", "mean", "std"] as const) {
    if (typeof t[field] !== "number" || !Number.isFinite(t[field])) {
      throw new TrainedModelError(`${file}: transform.${field} must be a finite number`);
    }
  }
  if (!(t.floor! > 0) || !(t.std! > 0)) {
    throw new TrainedModelError(`${file}: transform.floor and transform.std must be positive`);
  }
  return { kind: "log10-standardized", floor: t.floor!, mean: t.mean!, std: t.std! };
}
