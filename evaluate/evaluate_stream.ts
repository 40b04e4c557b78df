/**
 * The evaluation stage: each batch of images goes encode → sparse code bytes → decode of those
 * bytes → reconstruction, so every metric is of what a user of `.sqz` files gets.
 * @module
 */
import { FormatError, TrainedModelError } from "../pipeline/errors.ts";
import { type Chunk, chunkToFloat32, type ImageLabel } from "../pipeline/record_format.ts";
import { chooseIsotropy, encodeImages, type ModelCodec } from "../codec/model_codec.ts";
import { type CodeStats, decodeLatent, encodeLatent } from "../codec/sparse_code.ts";
import { sideInfoBytes } from "../models/transform.ts";
import { type CodeSize, type ImageMetrics, imageMetrics } from "./image_metrics.ts";

/** What one model made of one batch. */
export interface BatchResult {
  /** Per-image metrics, in batch order. */
  metrics: ImageMetrics[];
  /** Latents decoded from the code bytes, [count × ℓ]. */
  latents: Float32Array;
  /** Reconstructed intensities, [count × n]. */
  reconstruction: Float32Array;
  /** Coded indices of each image's f(z), for the gap distribution ρ(δ). */
  codedIndices: Int32Array[];
  /** Which images decode isotropic (when the codec flags them). */
  isotropic?: Uint8Array;
}

/** One evaluated batch: the input images and what the model (and baseline) made of them. */
export interface EvaluatedBatch {
  /** Global index of the first image in the evaluated stream. */
  first: number;
  count: number;
  labels: ImageLabel[];
  /** Input intensities, [count × n] float32. */
  images: Float32Array;
  model: BatchResult;
  baseline?: BatchResult;
}

/** Runs `codec` on `images` ([count × n]) through real code bytes. */
export async function evaluateBatch(
  codec: ModelCodec,
  images: Float32Array,
  source = "input",
): Promise<BatchResult> {
  const { n, ell } = codec.model.arch;
  const count = images.length / n;
  const scales = codec.model.scales(images, source);
  const z = await encodeImages(codec, images, source, scales);
  const side = sideInfoBytes(codec.model.transform);
  const latents = new Float32Array(count * ell);
  const stats: CodeSize[] = [];
  const indices: Int32Array[] = [];
  const coded = new Int32Array(ell);
  for (let i = 0; i < count; i++) {
    const s: CodeStats = { nonZeros: 0, bytes: 0, valueBytes: 0, gapBytes: 0 };
    const bytes = encodeLatent(z.subarray(i * ell, (i + 1) * ell), codec.options, s, coded);
    decodeLatent(bytes, ell, codec.options, latents.subarray(i * ell, (i + 1) * ell));
    // The transform's per-image side information travels in the code too.
    stats.push({ ...s, bytes: s.bytes + side, sideBytes: side });
    indices.push(coded.slice(0, s.nonZeros));
  }
  const isotropic = await chooseIsotropy(codec, images, scales, latents);
  const reconstruction = await codec.model.decode(latents, source, scales, isotropic);
  const metrics = stats.map((s, i) =>
    imageMetrics(
      images.subarray(i * n, (i + 1) * n),
      reconstruction.subarray(i * n, (i + 1) * n),
      s,
    )
  );
  return { metrics, latents, reconstruction, codedIndices: indices, isotropic };
}

/**
 * Evaluates chunks of images with a model and an optional baseline model; `first` is the global
 * index of the first image (a shard's start).
 */
export class EvaluateStream extends TransformStream<Chunk, EvaluatedBatch> {
  constructor(model: ModelCodec, baseline?: ModelCodec, source = "input", first = 0) {
    const shape = model.model.meta.image_shape;
    const other = baseline?.model.meta.image_shape;
    if (other && other.join() !== shape.join()) {
      throw new TrainedModelError(`baseline model takes [${other}] images, the model [${shape}]`);
    }
    super({
      async transform(chunk, controller) {
        if (chunk.count === 0) return;
        const images = chunkToFloat32(chunk, shape, source);
        checkNonZero(images, chunk.count, first, source);
        const result: EvaluatedBatch = {
          first,
          count: chunk.count,
          labels: chunk.labels,
          images,
          model: await evaluateBatch(model, images, source),
          baseline: baseline ? await evaluateBatch(baseline, images, source) : undefined,
        };
        first += chunk.count;
        controller.enqueue(result);
      },
      flush() {
        if (first === 0) throw new FormatError(`${source}: no images to evaluate`);
      },
    });
  }
}

/** Relative errors divide by ‖x‖: an all-zero image has none, so it is refused by index. */
function checkNonZero(images: Float32Array, count: number, first: number, source: string): void {
  const n = images.length / count;
  for (let k = 0; k < count; k++) {
    let any = false;
    for (let i = k * n, end = i + n; i < end && !any; i++) any = images[i] !== 0;
    if (!any) {
      throw new FormatError(
        `${source}: image ${first + k} is all zeros: its relative error is undefined; ` +
          `leave it out of the evaluation`,
      );
    }
  }
}
