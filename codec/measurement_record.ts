/**
 * A whole measured file as one `.sqz` record (record kind "measurement", issue 8): the q grid,
 * mask and extra columns losslessly, err(I) within its own relative bound, I within a relative,
 * absolute or K·err(I) bound — every pixel checked in float64 against the value read, and any
 * pixel the float32 coder leaves outside its bound (or a masked pixel float32 cannot hold)
 * stored exactly. Layout: docs/FORMAT.md, "Measurement records".
 *
 * @example
 * ```ts
 * const bytes = compressMeasurement(measurement, { bound: { kind: "sigma", k: 0.5 } });
 * const back = decompressMeasurement(bytes, "x.sqz");
 * ```
 * @module
 */

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { FormatError, SasquashError, UsageError } from "../pipeline/errors.ts";
import type { Measurement } from "../pipeline/measurement.ts";
import { gridAxes } from "../pipeline/measurement.ts";
import { decodeBounded, encodeBounded, readBoundedHeader } from "./bounded/bounded_codec.ts";
import { PREDICTION_MODES } from "./bounded_records.ts";
import { sigmaTolerance } from "./bounded/sigma_tolerance.ts";
import { DEFAULT_SIGMA_REL } from "./bounded/uncertainty.ts";
import { prefixWithLength, splitAtLength } from "./_length_prefix.ts";
import { decodeSqz, encodeSqz } from "./sqz_container.ts";
import { type SqzHeader, withoutIsotropy } from "./sqz_header.ts";

/** The guarantee on I: |Î−I| ≤ r·|I|, ≤ a, or ≤ k·err(I) per pixel. */
export type MeasurementBound =
  | { kind: "rel"; r: number }
  | { kind: "abs"; a: number }
  | { kind: "sigma"; k: number };

/** Options of {@link encodeMeasurement}. */
export interface MeasurementCodeOptions {
  /** The bound on I. */
  bound: MeasurementBound;
  /** Relative bound of err(I) (default 1 %). */
  sigmaRel?: number;
  /** A trained model's prediction of I, offered to the coder of I (see codec/measurement_model.ts). */
  prediction?: MeasurementPrediction;
}

/** A model's reconstruction of a measurement's I and the image code a decoder rebuilds it from. */
export interface MeasurementPrediction {
  /** The reconstruction, `height × width` float32. */
  image: Float32Array;
  /** The image's model code (side information + sparse z), stored when the prediction is used. */
  code: Uint8Array;
  /** Relative difference ε of a decoder's prediction that the bound survives. */
  tolerance: number;
  /** "auto": only when it makes the record smaller, model code included; "model": always. */
  use: "auto" | "model";
}

/** What a record's label holds besides the coded arrays (JSON). */
export interface MeasurementLabel {
  measurement: 1;
  height: number;
  width: number;
  bound: MeasurementBound;
  sigmaRel: number;
  separable: boolean;
  hasSigma: boolean;
  hasMask: boolean;
  extra: string[];
  units: Measurement["units"];
  title: string;
  provenance: Measurement["provenance"];
  attributes: Record<string, unknown>;
  /** Present (true) when I is coded against a model's prediction: an 8th section holds its code. */
  model?: true;
}

/** The float32 coder's bounds sit this much inside the requested ones (float32 rounding of I). */
const INSIDE = 1 - 2 ** -12;
const SECTIONS = 7;

/** Throws a FormatError naming the first unmasked pixel whose I or err(I) is not finite. */
export function checkMeasurementFinite(m: Measurement, where: string): void {
  for (let i = 0; i < m.intensity.length; i++) {
    if (m.mask?.[i]) continue;
    for (const [name, a] of [["I", m.intensity], ["err(I)", m.sigma]] as const) {
      if (a === null || Number.isFinite(a[i])) continue;
      const [r, c] = [Math.floor(i / m.width), i % m.width];
      throw new FormatError(
        `${where}: ${name} at row ${r}, column ${c} (Qx ${m.qx[i]}, Qy ${m.qy[i]}) is ${
          a[i]
        }; unmasked pixels must be finite (mask it to keep it exactly)`,
      );
    }
  }
}

/** Codes a measurement into a record's label and code. */
export function encodeMeasurement(
  m: Measurement,
  opts: MeasurementCodeOptions,
  where = "input",
): { label: MeasurementLabel; code: Uint8Array } {
  const { height, width, mask } = m;
  const sigmaRel = opts.sigmaRel ?? DEFAULT_SIGMA_REL;
  if (opts.bound.kind === "sigma" && m.sigma === null) {
    throw new UsageError(`${where}: --max-sigma-error needs err(I), and the file gives none`);
  }
  checkMeasurementFinite(m, where);
  const shape = { height, width, mask: mask ?? undefined };
  let sigmaStream: Uint8Array = new Uint8Array(0);
  let sigmaHat: Float32Array | null = null;
  if (m.sigma) {
    const bound = { kind: "rel" as const, r: sigmaRel * INSIDE };
    sigmaStream = encodeBounded(Float32Array.from(m.sigma), { ...shape, bound });
    sigmaHat = decodeBounded(sigmaStream).image;
  }
  const tolerance = opts.bound.kind === "sigma"
    ? toleranceOf(sigmaHat!, opts.bound.k, sigmaStream)
    : undefined;
  const image32 = Float32Array.from(m.intensity);
  const coder = { ...shape, bound: coderBound(opts.bound, m.intensity, image32, tolerance) };
  let imageStream = encodeBounded(image32, coder);
  const p = opts.prediction;
  let prediction: Float32Array | undefined;
  if (p !== undefined && p.image.every(Number.isFinite)) {
    const modes = p.use === "model" ? PREDICTION_MODES : undefined;
    const predicted = { prediction: p.image, predictionTolerance: p.tolerance, modes };
    const withModel = encodeBounded(image32, { ...coder, ...predicted });
    const pays = withModel.length + p.code.length + 2 < imageStream.length;
    if (readBoundedHeader(withModel).mode.usePrediction && (p.use === "model" || pays)) {
      [imageStream, prediction] = [withModel, p.image];
    }
  }
  const imageHat = decodeBounded(imageStream, { tolerance, prediction }).image;
  const within = boundCheck(opts.bound, m.sigma);
  const sigmaWithin = (x: number, i: number) =>
    Math.abs(x - m.sigma![i]) <= sigmaRel * Math.abs(m.sigma![i]);
  const sections = [
    deflate(gridBytes(m)),
    mask ? deflate(mask) : new Uint8Array(0),
    deflate(shuffle(concat64(m.extra.map((c) => c.values)))),
    sigmaStream,
    imageStream,
    exceptions(imageHat, m.intensity, mask, within),
    m.sigma ? exceptions(sigmaHat!, m.sigma, mask, sigmaWithin) : new Uint8Array(0),
    ...(prediction ? [p!.code] : []),
  ];
  const label: MeasurementLabel = {
    measurement: 1,
    height,
    width,
    bound: opts.bound,
    sigmaRel,
    separable: m.separable,
    hasSigma: m.sigma !== null,
    hasMask: mask !== null,
    extra: m.extra.map((c) => c.name),
    units: m.units,
    title: m.title,
    provenance: m.provenance,
    attributes: m.attributes,
  };
  if (prediction) label.model = true;
  return {
    label,
    code: sections.reduceRight((rest, part) => prefixWithLength(part, rest), new Uint8Array(0)),
  };
}

/** The sections of a record's code (8 with a model code, else 7). */
function sectionsOf(label: MeasurementLabel, code: Uint8Array, where: string): Uint8Array[] {
  if (label?.measurement !== 1) throw new FormatError(`${where}: label is not a measurement label`);
  const parts: Uint8Array[] = [];
  let rest = code;
  for (let s = 0; s < SECTIONS + (label.model ? 1 : 0); s++) {
    const split = splitAtLength(rest, where, `section ${s}`);
    parts.push(split.first);
    rest = split.rest;
  }
  return parts;
}

/** The model code of a record coded against a model's prediction, or null. */
export function measurementModelCode(
  label: MeasurementLabel,
  code: Uint8Array,
  where: string,
): Uint8Array | null {
  return label?.model ? sectionsOf(label, code, where)[SECTIONS] : null;
}

/**
 * Decodes a record made by {@link encodeMeasurement}; FormatError names `where`. A record
 * coded against a model's prediction needs it: the model's reconstruction of
 * {@link measurementModelCode}.
 */
export function decodeMeasurement(
  label: MeasurementLabel,
  code: Uint8Array,
  where: string,
  prediction?: Float32Array,
): Measurement {
  const parts = sectionsOf(label, code, where);
  if (label.model && prediction === undefined) {
    throw new UsageError(`${where}: coded against a model's prediction; decode it with the model`);
  }
  const { height, width } = label;
  const n = height * width;
  try {
    const gridRaw = inflate(parts[0]);
    const grid = new Float64Array((label.separable ? gridRaw : unshuffle(gridRaw)).buffer);
    const [qx, qy] = label.separable
      ? expandAxes(grid, height, width)
      : [grid.slice(0, n), grid.slice(n)];
    const extra = new Float64Array(unshuffle(inflate(parts[2])).buffer);
    let sigma: Float64Array | null = null;
    let tolerance: Float32Array | undefined;
    if (label.hasSigma) {
      const sigmaHat = decodeBounded(parts[3]).image;
      if (label.bound.kind === "sigma") tolerance = toleranceOf(sigmaHat, label.bound.k, parts[3]);
      sigma = Float64Array.from(sigmaHat);
      applyExceptions(sigma, parts[6]);
    }
    const predicted = label.model ? prediction : undefined;
    const intensity = Float64Array.from(
      decodeBounded(parts[4], { tolerance, prediction: predicted }).image,
    );
    applyExceptions(intensity, parts[5]);
    const m: Measurement = {
      height,
      width,
      intensity,
      sigma,
      mask: label.hasMask ? inflate(parts[1]) : null,
      qx,
      qy,
      separable: label.separable,
      extra: label.extra.map((name, j) => ({ name, values: extra.slice(j * n, (j + 1) * n) })),
      units: label.units,
      title: label.title,
      provenance: label.provenance,
      attributes: label.attributes,
    };
    return m;
  } catch (e) {
    if (e instanceof SasquashError) throw new FormatError(`${where}: ${e.message}`);
    throw new FormatError(`${where}: corrupt measurement record (${(e as Error).message})`);
  }
}

/**
 * A `.sqz` file holding one measurement record; `model` is the `.sqz` header of the model whose
 * prediction `opts.prediction` is, named in the file when the record uses it.
 */
export function compressMeasurement(
  m: Measurement,
  opts: MeasurementCodeOptions,
  where = "input",
  model?: SqzHeader,
): Uint8Array {
  return measurementFile(m, opts, where, model).bytes;
}

/** {@link compressMeasurement}, and whether the record uses the model's prediction. */
export function measurementFile(
  m: Measurement,
  opts: MeasurementCodeOptions,
  where = "input",
  model?: SqzHeader,
): { bytes: Uint8Array; predicted: boolean } {
  const { label, code } = encodeMeasurement(m, opts, where);
  const predicted = label.model === true;
  const header = measurementSqzHeader(m.height, m.width, predicted ? model : undefined);
  const bytes = encodeSqz(header, [{ code, label: label as unknown as Record<string, unknown> }]);
  return { bytes, predicted };
}

/** Reads back a file of {@link compressMeasurement}; `name` names it in errors. */
export function decompressMeasurement(bytes: Uint8Array, name: string): Measurement {
  const { header, records } = decodeSqz(bytes, { name });
  if (header.records !== "measurement" || records.length !== 1) {
    throw new FormatError(
      `${name}: not a measurement .sqz file (records ${header.records ?? "sparse"})`,
    );
  }
  return decodeMeasurement(
    records[0].label as unknown as MeasurementLabel,
    records[0].code,
    `${name}: record 0`,
  );
}

/** The header of a measurement file: the model's fields with a prediction, zeros without. */
export function measurementSqzHeader(
  height: number,
  width: number,
  model?: SqzHeader,
): SqzHeader {
  if (model !== undefined) {
    return { ...withoutIsotropy(model), height, width, records: "measurement" };
  }
  return {
    modelId: new Uint8Array(0),
    height,
    width,
    dtype: "float32",
    ell: 0,
    f: "z",
    quant: "fp16",
    gapModelId: 0,
    records: "measurement",
  };
}

/** Tolerances k·σ̂/(1 + r), r from the σ stream, brought inside by {@link INSIDE}. */
function toleranceOf(sigmaHat: Float32Array, k: number, sigmaStream: Uint8Array): Float32Array {
  const t = sigmaTolerance(sigmaHat, k, readBoundedHeader(sigmaStream).bound.value);
  for (let i = 0; i < t.length; i++) t[i] = Math.fround(t[i] * INSIDE);
  return t;
}

/** The float32 coder's bound: the requested one, inside by float32's rounding of I. */
function coderBound(
  b: MeasurementBound,
  exact: Float64Array,
  image32: Float32Array,
  tolerance?: Float32Array,
) {
  if (b.kind === "sigma") return { kind: "pointwise" as const, tolerance: tolerance! };
  if (b.kind === "rel") return { kind: "rel" as const, r: b.r * INSIDE };
  let rounding = 0;
  for (let i = 0; i < exact.length; i++) {
    const d = Math.abs(image32[i] - exact[i]);
    if (d > rounding && Number.isFinite(d)) rounding = d;
  }
  return { kind: "abs" as const, a: Math.max(b.a * INSIDE - rounding, b.a / 2) };
}

/** The per-pixel test of the requested bound, in float64 against the value read. */
function boundCheck(
  b: MeasurementBound,
  sigma: Float64Array | null,
): (x: number, i: number, exact: number) => boolean {
  if (b.kind === "rel") return (x, _, v) => Math.abs(x - v) <= b.r * Math.abs(v);
  if (b.kind === "abs") return (x, _, v) => Math.abs(x - v) <= b.a;
  return (x, i, v) => Math.abs(x - v) <= b.k * Math.abs(sigma![i]);
}

/** Pixels whose decoded value misses the bound (masked: is not bit-identical), exactly. */
function exceptions(
  decoded: Float32Array,
  exact: Float64Array,
  mask: Uint8Array | null,
  within: (x: number, i: number, exact: number) => boolean,
): Uint8Array {
  const index: number[] = [];
  for (let i = 0; i < exact.length; i++) {
    const x = decoded[i];
    const ok = mask?.[i] ? Object.is(x, exact[i]) : within(x, i, exact[i]);
    if (!ok) index.push(i);
  }
  const out = new DataView(new ArrayBuffer(4 + index.length * 12));
  out.setUint32(0, index.length, true);
  index.forEach((i, j) => {
    out.setUint32(4 + j * 4, i, true);
    out.setFloat64(4 + index.length * 4 + j * 8, exact[i], true);
  });
  return deflate(new Uint8Array(out.buffer));
}

function applyExceptions(values: Float64Array, section: Uint8Array): void {
  const bytes = inflate(section);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = v.getUint32(0, true);
  if (bytes.length !== 4 + count * 12) {
    throw new FormatError(`exception list of ${bytes.length} bytes, expected ${4 + count * 12}`);
  }
  for (let j = 0; j < count; j++) {
    const i = v.getUint32(4 + j * 4, true);
    if (i >= values.length) throw new FormatError(`exception at pixel ${i} ≥ ${values.length}`);
    values[i] = v.getFloat64(4 + count * 4 + j * 8, true);
  }
}

/** Grid bytes: the two axes of a separable grid, else Qx and Qy per pixel (byte-shuffled). */
function gridBytes(m: Measurement): Uint8Array {
  const axes = m.separable ? gridAxes(m) : null;
  if (axes) return new Uint8Array(concat64([axes.qxAxis, axes.qyAxis]).buffer);
  return shuffle(concat64([m.qx, m.qy]));
}

function expandAxes(
  axes: Float64Array,
  height: number,
  width: number,
): [Float64Array, Float64Array] {
  if (axes.length !== height + width) {
    throw new FormatError(`grid of ${axes.length} values, expected ${height + width}`);
  }
  const n = height * width;
  const qx = new Float64Array(n), qy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    qx[i] = axes[i % width];
    qy[i] = axes[width + Math.floor(i / width)];
  }
  return [qx, qy];
}

function concat64(arrays: Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((s, a) => s + a.length, 0));
  let at = 0;
  for (const a of arrays) at += (out.set(a, at), a.length);
  return out;
}

/** Byte planes of float64s (byte 0 of every value, then byte 1, …): deflate finds more. */
function shuffle(values: Float64Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const n = values.length;
  const out = new Uint8Array(bytes.length);
  for (let b = 0; b < 8; b++) for (let i = 0; i < n; i++) out[b * n + i] = bytes[i * 8 + b];
  return out;
}

function unshuffle(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 8 !== 0) throw new FormatError(`float64 section of ${bytes.length} bytes`);
  const n = bytes.length / 8;
  const out = new Uint8Array(bytes.length);
  for (let b = 0; b < 8; b++) for (let i = 0; i < n; i++) out[i * 8 + b] = bytes[b * n + i];
  return out;
}

const deflate = (bytes: Uint8Array) => new Uint8Array(deflateRawSync(bytes, { level: 9 }));
const inflate = (bytes: Uint8Array) => new Uint8Array(inflateRawSync(bytes));
