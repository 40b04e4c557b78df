/**
 * Error-bounded `.sqz` records (version-2 files, record kind "bounded"): every image coded by
 * `encodeBounded`, with the trained model's reconstruction as its prediction when a model is
 * given and the prediction makes the stream smaller. A record's code is
 * `LEB128 k · k bytes of the image's model code (scale + sparse z; k = 0: no prediction) · the
 * bounded stream`. Layout: docs/FORMAT.md, "Error-bounded records".
 * @module
 */

import {
  decodeBounded,
  encodeBounded,
  type ErrorBound,
  readBoundedHeader,
} from "./bounded/bounded_codec.ts";
import { joinImageCode, splitImageCode } from "./image_code.ts";
import { prefixWithLength, splitAtLength } from "./_length_prefix.ts";
import { decodeLatent, encodeLatent } from "./sparse_code.ts";
import { encodeImages, type ModelCodec, withQuant } from "./model_codec.ts";
import type { SqzInput, SqzRecord } from "./sqz_container.ts";
import { type SqzHeader, withoutIsotropy } from "./sqz_header.ts";
import { sideInfoBytes } from "../models/transform.ts";
import { FormatError, SasquashError } from "../pipeline/errors.ts";
import { type Chunk, chunkToFloat32, type ImageLabel } from "../pipeline/record_format.ts";

/**
 * Default ε between the encoder's model prediction and a decoder's (another backend, thread
 * count or batch size); measured in docs/BENCHMARKS.md, "Backends and the bound".
 */
export const MODEL_PREDICTION_TOLERANCE = 1e-4;

/** The guarantee of a bounded file: relative or absolute. */
export type RecordBound = ErrorBound & { kind: "rel" | "abs" };

/** Settings of {@link BoundedCompressStream}. */
export interface BoundedRecordOptions {
  /** Image rows and columns. */
  height: number;
  width: number;
  /** The per-pixel guarantee. */
  bound: RecordBound;
  /** The model whose reconstruction predicts each image; null: model-free predictors only. */
  codec: ModelCodec | null;
  /** Relative difference ε tolerated between the encoder's and a decoder's prediction. */
  predictionTolerance: number;
  /**
   * "auto" (default): per image, the model's prediction only when the stream it gives plus the
   * model code is smaller than the model-free stream; "model": always (for studies and tests).
   */
  prediction?: "auto" | "model";
}

/** Modes tried when the prediction is forced: every predictor, no symmetry prior. */
export const PREDICTION_MODES = (["lorenzo", "interpolation", "smooth"] as const).map((
  predictor,
) => ({
  predictor,
  usePrediction: true,
  symmetry: "none" as const,
}));

/** The header of a bounded file: the model's fields with a prediction, zeros without. */
export function boundedSqzHeader(
  height: number,
  width: number,
  codec: ModelCodec | null,
): SqzHeader {
  if (codec !== null) {
    return { ...withoutIsotropy(codec.header), height, width, records: "bounded" };
  }
  const none = { ell: 0, f: "z", quant: "fp16", gapModelId: 0 } as const;
  return {
    modelId: new Uint8Array(0),
    height,
    width,
    dtype: "float32",
    ...none,
    records: "bounded",
  };
}

/** Joins a record's model code (possibly empty) and its bounded stream. */
export function joinBoundedCode(modelCode: Uint8Array, stream: Uint8Array): Uint8Array {
  return prefixWithLength(modelCode, stream);
}

/** Splits a record's code; FormatError names `where`. */
export function splitBoundedCode(
  code: Uint8Array,
  where: string,
): { modelCode: Uint8Array; stream: Uint8Array } {
  const { first, rest } = splitAtLength(code, where, "model code");
  return { modelCode: first, stream: rest };
}

/** Throws a FormatError naming the image and pixel of the first non-finite intensity. */
export function checkFinite(images: Float32Array, n: number, labels: ImageLabel[], source: string) {
  for (let i = 0; i < images.length; i++) {
    if (Number.isFinite(images[i])) continue;
    const k = Math.floor(i / n);
    const image = labels[k]?.index ?? k;
    throw new FormatError(
      `${source}: image ${image} pixel ${i % n} is ${
        images[i]
      }; error-bounded mode needs finite intensities`,
    );
  }
}

/** Encodes chunks of images into bounded records (labels travel along). */
export class BoundedCompressStream extends TransformStream<Chunk, SqzInput> {
  /** Records whose stream uses the model's prediction. */
  predicted = 0;

  constructor(opts: BoundedRecordOptions, source = "input") {
    const { height, width, codec } = opts;
    const n = height * width;
    super({
      transform: async (chunk, controller) => {
        const images = chunkToFloat32(chunk, chunk.shape, source);
        if (images.length !== chunk.count * n) {
          throw new FormatError(`${source}: images are [${chunk.shape}], expected ${n} pixels`);
        }
        checkFinite(images, n, chunk.labels, source);
        const model = codec === null ? null : await modelPredictions(codec, images, source);
        for (let i = 0; i < chunk.count; i++) {
          const prediction = model?.predictions.subarray(i * n, (i + 1) * n);
          const usable = prediction !== undefined && prediction.every(Number.isFinite);
          const image = images.subarray(i * n, (i + 1) * n);
          const free = { height, width, bound: opts.bound };
          let stream: Uint8Array;
          let used = false;
          if (usable && opts.prediction === "model") {
            const predicted = {
              ...free,
              prediction,
              predictionTolerance: opts.predictionTolerance,
            };
            stream = encodeBounded(image, { ...predicted, modes: PREDICTION_MODES });
            used = true;
          } else if (usable) {
            const predicted = {
              ...free,
              prediction,
              predictionTolerance: opts.predictionTolerance,
            };
            stream = encodeBounded(image, predicted);
            used = readBoundedHeader(stream).mode.usePrediction;
            if (used) {
              // The model code costs bytes too: keep the prediction only when it pays for them.
              const alone = encodeBounded(image, free);
              if (alone.length <= stream.length + model!.codes[i].length + 2) {
                [stream, used] = [alone, false];
              }
            }
          } else {
            stream = encodeBounded(image, free);
          }
          if (used) this.predicted++;
          const modelCode = used ? model!.codes[i] : new Uint8Array(0);
          controller.enqueue({ code: joinBoundedCode(modelCode, stream), label: chunk.labels[i] });
        }
      },
    });
  }
}

/** Each image's model code and the reconstruction a decoder computes from it. */
export async function modelPredictions(
  codec: ModelCodec,
  images: Float32Array,
  source: string,
): Promise<{ codes: Uint8Array[]; predictions: Float32Array }> {
  const { ell } = codec.model.arch;
  const side = sideInfoBytes(codec.model.transform);
  const scales = codec.model.scales(images, source);
  const z = await encodeImages(codec, images, source, scales);
  const count = scales.length;
  const zq = new Float32Array(count * ell);
  const codes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const sparse = encodeLatent(z.subarray(i * ell, (i + 1) * ell), codec.options);
    decodeLatent(sparse, ell, codec.options, zq.subarray(i * ell, (i + 1) * ell));
    codes.push(joinImageCode(scales[i], side, sparse));
  }
  return { codes, predictions: await codec.model.decode(zq, source, scales) };
}

/**
 * Decodes bounded records into chunks of `batch` images. `codec` is needed only when the file
 * was made with a model (its header names it); records without a model code never touch it.
 */
export class BoundedDecompressStream extends TransformStream<SqzRecord, Chunk> {
  constructor(
    header: SqzHeader,
    codec: ModelCodec | null,
    batch = 256,
    name = "input",
  ) {
    const { height, width } = header;
    const n = height * width;
    const model = codec === null ? null : withQuant(codec, header.quant);
    let pending: { record: SqzRecord; modelCode: Uint8Array; stream: Uint8Array }[] = [];
    const flush = async (controller: TransformStreamDefaultController<Chunk>) => {
      if (pending.length === 0) return;
      const predictions = await decodePredictions(model, pending, name);
      const data = new Float32Array(pending.length * n);
      pending.forEach(({ record, stream }, i) => {
        const prediction = predictions.get(i);
        try {
          data.set(decodeBounded(stream, { prediction }).image, i * n);
        } catch (e) {
          if (!(e instanceof SasquashError)) throw e;
          throw new FormatError(`${name}: record ${record.index}: ${e.message}`);
        }
      });
      const labels = pending.map(({ record }) =>
        (record.label ?? { index: record.index }) as ImageLabel
      );
      controller.enqueue({
        count: pending.length,
        shape: [height, width],
        dtype: "float32",
        labels,
        data,
      });
      pending = [];
    };
    super({
      async transform(record, controller) {
        const where = `${name}: record ${record.index}`;
        const { modelCode, stream } = splitBoundedCode(record.code, where);
        if (modelCode.length > 0 && model === null) {
          throw new FormatError(`${where}: has a model code, but the file names no model`);
        }
        pending.push({ record, modelCode, stream });
        if (pending.length === batch) await flush(controller);
      },
      flush,
    });
  }
}

/** The model's reconstructions of the pending records that carry a model code, by position. */
async function decodePredictions(
  codec: ModelCodec | null,
  pending: { record: SqzRecord; modelCode: Uint8Array }[],
  name: string,
): Promise<Map<number, Float32Array>> {
  const out = new Map<number, Float32Array>();
  const which = pending.flatMap(({ modelCode }, i) => modelCode.length > 0 ? [i] : []);
  if (codec === null || which.length === 0) return out;
  const predictions = await reconstructFromCodes(
    codec,
    which.map((i) => pending[i].modelCode),
    which.map((i) => `${name}: record ${pending[i].record.index}`),
  );
  which.forEach((i, j) => out.set(i, predictions[j]));
  return out;
}

/**
 * The model's reconstructions of image codes (side information + sparse z, as
 * {@link modelPredictions} makes them), one batch; `wheres[i]` names code i in errors.
 */
export async function reconstructFromCodes(
  codec: ModelCodec,
  codes: Uint8Array[],
  wheres: string[],
): Promise<Float32Array[]> {
  const { ell, n } = codec.model.arch;
  const side = sideInfoBytes(codec.model.transform);
  const zq = new Float32Array(codes.length * ell);
  const scales = new Int16Array(codes.length);
  codes.forEach((code, j) => {
    const { scale, sparse } = splitImageCode(code, side, wheres[j]);
    scales[j] = scale;
    decodeLatent(sparse, ell, codec.options, zq.subarray(j * ell, (j + 1) * ell));
  });
  const predictions = await codec.model.decode(zq, wheres[0] ?? "codes", scales);
  return codes.map((_, j) => predictions.subarray(j * n, (j + 1) * n));
}
