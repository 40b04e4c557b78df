/**
 * Rate–distortion of the coders on the same images (issue 7, item 5): the autoencoder alone at
 * drop thresholds, the error-bounded coder with the model's reconstruction as prediction and
 * without a model at relative bounds R, and zfp in fixed accuracy log10(1 + R) on log10 I. Every
 * coder's records go back through its own decoder, so each figure is of what a reader gets.
 * `deno task evaluate --sweep` and `bench/rate_distortion.ts` both run it.
 * @module
 */

import {
  BoundedCompressStream,
  BoundedDecompressStream,
  boundedSqzHeader,
  MODEL_PREDICTION_TOLERANCE,
} from "../codec/bounded_records.ts";
import { CompressStream, DecompressStream, type ModelCodec } from "../codec/model_codec.ts";
import type { SqzInput, SqzRecord } from "../codec/sqz_container.ts";
import { summarize } from "../pipeline/summary_stats.ts";
import { imageErrors } from "../pipeline/image_error.ts";
import { Progress } from "../pipeline/progress.ts";
import { type Chunk, makeChunk } from "../pipeline/record_format.ts";
import { zfpAvailable, zfpCompress, zfpDecompress } from "./zfp.ts";
import { sz3Available, sz3OrRaw } from "./sz3.ts";

/** The coders of a sweep, in the order the report lists them. */
export const SWEEP_CODERS = {
  ae: "AE alone",
  bounded_ae: "bounded + AE prediction",
  bounded: "bounded, model-free",
  zfp: "zfp on log10 I",
  sz3: "SZ3 on log10 I",
} as const;

/** A coder of the sweep. */
export type SweepCoder = keyof typeof SWEEP_CODERS;

/** What a coder made of images: one code per coded image and the decoded images. */
export interface CodedImages {
  /** One record per coded image, in image order (labels as given). */
  codes: SqzInput[];
  /** The decoded images, [codes.length × n]. */
  decoded: Float32Array;
  /** Image index of each code when some images were left out (zfp: I ≤ 0); else all. */
  coded?: number[];
  /** Records whose bounded stream uses the model's prediction. */
  predicted?: number;
}

/** One configuration of the sweep and its statistics over the images (null: none coded). */
export interface SweepPoint {
  coder: SweepCoder;
  /** Drop threshold of the autoencoder alone. */
  threshold?: number;
  /** Relative bound R of the bounded coders and zfp. */
  bound?: number;
  /** Images coded, and left out (zfp needs I > 0 for log10 I). */
  images: number;
  skipped: number;
  /** Per-image raw float32 bytes ÷ code bytes (side information and framing of the code in). */
  median_ratio: number | null;
  mean_ratio: number | null;
  /** Σ raw bytes ÷ Σ code bytes. */
  aggregate_ratio: number | null;
  median_rms_rel: number | null;
  median_rel_l2: number | null;
  /** Median and largest over images of maxᵢ |x̂ᵢ − xᵢ| / |xᵢ|. */
  median_max_rel: number | null;
  max_max_rel: number | null;
  /** Pixels with |x̂ − x| > R·|x| (null without a bound). */
  pixels_over_bound: number | null;
  /** Bounded + AE: records that use the model's prediction. */
  predicted?: number;
  /** Wall time of encoding and decoding. */
  seconds: number;
}

/** What the sweep runs. */
export interface SweepSettings {
  /** Relative bounds R of the bounded coders and zfp. */
  bounds: number[];
  /** Drop thresholds of the autoencoder alone. */
  thresholds: number[];
  /** Images per encode/decode batch. */
  batch: number;
  /** The coders to run (default: all); zfp and SZ3 still need their CLI on PATH. */
  coders?: SweepCoder[];
}

/** The result of a sweep, as written to sweep.json and summary.json. */
export interface SweepResult {
  images: number;
  shape: number[];
  bounds: number[];
  thresholds: number[];
  /** The quantity on the figure's x axis. */
  x_metric: "median_max_rel";
  points: SweepPoint[];
  /** What was left out and why (zfp missing). */
  notes: string[];
}

/**
 * Runs every configuration on `images` ([count × n] of the model's image shape), with a progress
 * line on stderr unless `quiet`.
 */
export async function rateDistortionSweep(
  codec: ModelCodec,
  images: Float32Array,
  settings: SweepSettings,
  { quiet = true } = {},
): Promise<SweepResult> {
  const shape = codec.model.meta.image_shape;
  const { height, width } = codec.header;
  const n = height * width;
  const chunks = imageChunks(images, shape, settings.batch);
  const chosen = new Set<SweepCoder>(settings.coders ?? Object.keys(SWEEP_CODERS) as SweepCoder[]);
  const zfp = chosen.has("zfp") && await zfpAvailable();
  const sz3 = chosen.has("sz3") && await sz3Available();
  const notes = [
    ...(zfp || !chosen.has("zfp") ? [] : ["zfp: no `zfp` CLI on PATH, skipped"]),
    ...(sz3 || !chosen.has("sz3")
      ? []
      : ["SZ3: no `sz3` CLI on PATH, skipped (optional; build it from source)"]),
    ...(chosen.size < Object.keys(SWEEP_CODERS).length
      ? [`coders run: ${[...chosen].join(", ")} (--sweep-coders)`]
      : []),
  ];
  const thresholds = chosen.has("ae") ? settings.thresholds : [];
  const perBound = (chosen.has("bounded_ae") ? 1 : 0) + (chosen.has("bounded") ? 1 : 0) +
    (zfp ? 1 : 0) + (sz3 ? 1 : 0);
  const configurations = thresholds.length + settings.bounds.length * perBound;
  const progress = new Progress("sweep", configurations * (images.length / n), { quiet });
  const points: SweepPoint[] = [];
  const run = async (
    point: Pick<SweepPoint, "coder" | "threshold" | "bound">,
    code: () => Promise<CodedImages>,
  ) => {
    const t0 = performance.now();
    const coded = await code();
    points.push(sweepPoint(point, images, n, coded, (performance.now() - t0) / 1000));
  };
  for (const threshold of thresholds) {
    await run({ coder: "ae", threshold }, () => aeCodes(codec, threshold, chunks, progress));
  }
  for (const bound of settings.bounds) {
    if (chosen.has("bounded_ae")) {
      await run({ coder: "bounded_ae", bound }, () => boundedCodes(codec, bound, chunks, progress));
    }
    if (chosen.has("bounded")) {
      await run({ coder: "bounded", bound }, () => boundedCodes(null, bound, chunks, progress));
    }
    if (zfp) {
      await run({ coder: "zfp", bound }, () => zfpCodes(images, [height, width], bound, progress));
    }
    if (sz3) {
      await run({ coder: "sz3", bound }, () => sz3Codes(images, [height, width], bound, progress));
    }
  }
  progress.done(`${points.length} configurations`);
  return {
    images: images.length / n,
    shape,
    bounds: settings.bounds,
    thresholds: settings.thresholds,
    x_metric: "median_max_rel",
    points,
    notes,
  };
}

/** Chunks of at most `batch` images of `shape`, labelled by index. */
export function imageChunks(images: Float32Array, shape: number[], batch: number): Chunk[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const count = images.length / n;
  const chunks: Chunk[] = [];
  for (let k = 0; k < count; k += batch) {
    const end = Math.min(count, k + batch);
    const labels = Array.from({ length: end - k }, (_, i) => ({ index: k + i }));
    chunks.push(makeChunk(shape, images.slice(k * n, end * n), labels));
  }
  return chunks;
}

/** The model codec's records at drop threshold `threshold`, and their decoding. */
export async function aeCodes(
  codec: ModelCodec,
  threshold: number,
  chunks: Chunk[],
  progress?: Progress,
): Promise<CodedImages> {
  const at = { ...codec, options: { ...codec.options, threshold } };
  const codes = await encodeAll(chunks, new CompressStream(at, "sweep"), progress);
  const decoder = new DecompressStream(at, Promise.resolve(at.header), batchOf(chunks), "sweep");
  return { codes, decoded: await decodeAll(codes, decoder, at.model.arch.n) };
}

/** Error-bounded records at |x̂ − x| ≤ R·|x| (the model's prediction when it pays; null: none). */
export async function boundedCodes(
  codec: ModelCodec | null,
  r: number,
  chunks: Chunk[],
  progress?: Progress,
): Promise<CodedImages> {
  const [height, width] = gridOf(chunks[0]?.shape ?? [0]);
  const stream = new BoundedCompressStream({
    height,
    width,
    bound: { kind: "rel", r },
    codec,
    predictionTolerance: MODEL_PREDICTION_TOLERANCE,
  }, "sweep");
  const codes = await encodeAll(chunks, stream, progress);
  const header = boundedSqzHeader(height, width, codec);
  const decoder = new BoundedDecompressStream(header, codec, batchOf(chunks), "sweep");
  return {
    codes,
    decoded: await decodeAll(codes, decoder, height * width),
    predicted: stream.predicted,
  };
}

/** zfp `-a log10(1 + R)` on log10 I, one image per call; images with any I ≤ 0 are left out. */
export async function zfpCodes(
  images: Float32Array,
  [height, width]: number[],
  r: number,
  progress?: Progress,
): Promise<CodedImages> {
  return await log10Codes(images, [height, width], r, progress, async (log, tolerance) => {
    const code = await zfpCompress({ data: log, width, height }, tolerance);
    return { code, decoded: await zfpDecompress(code, { width, height, count: 1 }, tolerance) };
  });
}

/**
 * SZ3 `-M ABS log10(1 + R)` on log10 I, one image per call; images with any I ≤ 0 left out, and
 * images SZ3 aborts on counted as stored raw (`sz3OrRaw`).
 */
export async function sz3Codes(
  images: Float32Array,
  [height, width]: number[],
  r: number,
  progress?: Progress,
): Promise<CodedImages> {
  return await log10Codes(
    images,
    [height, width],
    r,
    progress,
    (log, tolerance) => sz3OrRaw(log, width, height, tolerance),
  );
}

/**
 * A coder of log10 I at absolute tolerance log10(1 + R), so that |x̂ − x| ≤ R·x before float32
 * rounding; one image per call, images with any I ≤ 0 left out.
 */
async function log10Codes(
  images: Float32Array,
  [height, width]: number[],
  r: number,
  progress: Progress | undefined,
  code: (log: Float32Array, tolerance: number) => Promise<{
    code: Uint8Array;
    decoded: Float32Array;
  }>,
): Promise<CodedImages> {
  const n = height * width;
  const tolerance = Math.log10(1 + r);
  const codes: SqzInput[] = [], decodedParts: Float32Array[] = [], coded: number[] = [];
  for (let k = 0; k < images.length / n; k++) {
    const x = images.subarray(k * n, (k + 1) * n);
    progress?.add(1);
    if (x.some((v) => !(v > 0))) continue;
    const c = await code(x.map(Math.log10), tolerance);
    codes.push({ code: c.code, label: { index: k } });
    decodedParts.push(c.decoded.map((v) => 10 ** v));
    coded.push(k);
  }
  const decoded = new Float32Array(coded.length * n);
  decodedParts.forEach((d, j) => decoded.set(d, j * n));
  return { codes, decoded, coded };
}

/** The statistics of one configuration (`images` are all the sweep's images). */
export function sweepPoint(
  point: Pick<SweepPoint, "coder" | "threshold" | "bound">,
  images: Float32Array,
  n: number,
  c: CodedImages,
  seconds: number,
): SweepPoint {
  const count = c.codes.length;
  const ratios = new Float64Array(count), rms = new Float64Array(count);
  const relL2 = new Float64Array(count), maxRel = new Float64Array(count);
  let bytes = 0, over = 0;
  for (let j = 0; j < count; j++) {
    const k = c.coded?.[j] ?? j;
    const x = images.subarray(k * n, (k + 1) * n), xhat = c.decoded.subarray(j * n, (j + 1) * n);
    const e = imageErrors(x, xhat);
    ratios[j] = (4 * n) / c.codes[j].code.length;
    bytes += c.codes[j].code.length;
    [rms[j], relL2[j], maxRel[j]] = [e.rms_rel, e.rel_l2, e.max_rel];
    if (point.bound !== undefined) over += pixelsOverBound(x, xhat, point.bound);
  }
  const ratio = summarize(ratios), max = summarize(maxRel);
  return {
    ...point,
    images: count,
    skipped: images.length / n - count,
    median_ratio: ratio?.median ?? null,
    mean_ratio: ratio?.mean ?? null,
    aggregate_ratio: count ? (4 * n * count) / bytes : null,
    median_rms_rel: summarize(rms)?.median ?? null,
    median_rel_l2: summarize(relL2)?.median ?? null,
    median_max_rel: max?.median ?? null,
    max_max_rel: max?.max ?? null,
    pixels_over_bound: point.bound === undefined ? null : over,
    ...(c.predicted !== undefined && point.coder === "bounded_ae"
      ? { predicted: c.predicted }
      : {}),
    seconds: +seconds.toFixed(3),
  };
}

/** Pixels of `xhat` with |x̂ − x| > r·|x| (a NaN counts as over). */
export function pixelsOverBound(x: Float32Array, xhat: Float32Array, r: number): number {
  let over = 0;
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(xhat[i] - x[i]) <= r * Math.abs(x[i]))) over++;
  }
  return over;
}

async function encodeAll(
  chunks: Chunk[],
  encoder: TransformStream<Chunk, SqzInput>,
  progress?: Progress,
): Promise<SqzInput[]> {
  const codes: SqzInput[] = [];
  for await (const code of ReadableStream.from(chunks).pipeThrough(encoder)) {
    codes.push(code);
    progress?.add(1);
  }
  return codes;
}

async function decodeAll(
  codes: SqzInput[],
  decoder: TransformStream<SqzRecord, Chunk>,
  n: number,
): Promise<Float32Array> {
  const out = new Float32Array(codes.length * n);
  let at = 0;
  const records = codes.map((c, index) => ({ ...c, index }));
  for await (const chunk of ReadableStream.from(records).pipeThrough(decoder)) {
    out.set(chunk.data as Float32Array, at);
    at += chunk.data.length;
  }
  return out;
}

function batchOf(chunks: Chunk[]): number {
  return Math.max(1, ...chunks.map((c) => c.count));
}

/** Rows and columns of an image shape (a 1-D image is one row). */
function gridOf(shape: number[]): number[] {
  return shape.length === 2 ? shape : [1, shape.reduce((a, b) => a * b, 1)];
}
