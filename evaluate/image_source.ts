/**
 * Where evaluation images come from: `--data` (a stream-format file, or measured files through
 * `openRecordSource()`) or fresh generator samples from a seed disjoint from the training data's.
 * @module
 */
import { FormatError, UsageError } from "../pipeline/errors.ts";
import { type Chunk, FLOAT_DTYPES, headerSha256 } from "../pipeline/record_format.ts";
import { openRecordSource } from "../pipeline/record_source.ts";
import { sliceChunk } from "../pipeline/batch_stream.ts";
import type { ModelMeta } from "../models/model_io.ts";
import { resolveModels, shardRange } from "../generators/host/generation_plan.ts";
import { imageStream } from "../generators/host/image_stream.ts";
import { SasHost } from "../generators/host/pyodide_host.ts";
import type { GenerationSettings } from "../generators/host/image_job.ts";
import { gridLayout, gridShape, type QGrid } from "../generators/host/detector_grid.ts";

/** Offset from the training seed to the default evaluation seed (a prime, far from 0..1e6). */
export const EVAL_SEED_OFFSET = 1_000_003;

/** How to get evaluation images. */
export interface SourceOptions {
  /** Stream file, measured file, glob or `@LIST` (see openRecordSource); absent: generated. */
  data?: string;
  /** NXcanSAS SASentry of measured `data`. */
  entry?: string;
  /** At most this many images. */
  n: number;
  /** Generator seed (default: training seed + EVAL_SEED_OFFSET). */
  seed?: number;
  /** Generator model list (as `deno task generate --models`). */
  models?: string;
  workers: number;
  qmax: number;
  /** Generate on this detector grid (a measured file's, `--grid-from`) instead of --qmax. */
  grid?: QGrid;
  /** Only this shard (0-based index of count) of the images, split at multiples of `align`. */
  shard?: { index: number; count: number; align: number };
}

/** An opened source: its chunks, how many images to expect and where they came from. */
export interface ImageSource {
  chunks: ReadableStream<Chunk>;
  expected?: number;
  describe: Record<string, unknown>;
  /** Global indices [first, end) of the images this source yields (a shard's slice). */
  range: [number, number];
  /** Images of the whole evaluation (all shards). */
  total?: number;
  /** Notes for the user (e.g. the data look like the training data). */
  warnings: string[];
}

/** The data seed of the model's training stream, when its metadata records it. */
export function trainingSeed(meta: ModelMeta): number | undefined {
  const data = meta.data as Record<string, unknown>;
  const header = data.header as Record<string, unknown> | undefined;
  const seed = data.seed ?? header?.seed;
  return typeof seed === "number" ? seed : undefined;
}

/** Opens the evaluation images for a model with metadata `meta`. */
export async function openImageSource(meta: ModelMeta, o: SourceOptions): Promise<ImageSource> {
  return o.data === undefined ? await generated(meta, o) : await fromFile(meta, o.data, o);
}

/** The slice [first, end) of `total` images that shard `o.shard` evaluates. */
function sliceOf(total: number, o: SourceOptions): [number, number] {
  if (!o.shard) return [0, total];
  return shardRange(total, o.shard.align, o.shard.index, o.shard.count);
}

async function fromFile(meta: ModelMeta, path: string, o: SourceOptions): Promise<ImageSource> {
  const n = o.n;
  const { header, chunks } = await openRecordSource(path, { entry: o.entry });
  if (header.shape.join() !== meta.image_shape.join()) {
    throw new FormatError(
      `${path}: images are [${header.shape}], the model expects [${meta.image_shape}]`,
    );
  }
  if (!FLOAT_DTYPES.includes(header.dtype)) {
    throw new FormatError(`${path}: header dtype is ${header.dtype}, expected a float type`);
  }
  const warnings = [];
  if (meta.data.header_sha256 && meta.data.header_sha256 === await headerSha256(header)) {
    warnings.push(`${path} has the same header as the model's training data`);
  }
  const total = typeof header.n === "number" ? Math.min(header.n, n) : undefined;
  if (o.shard && total === undefined) {
    throw new FormatError(`${path}: the header has no image count n, which --shard needs`);
  }
  const [first, end] = sliceOf(total ?? n, o);
  return {
    chunks: chunks.pipeThrough(new SkipImagesStream(first)).pipeThrough(
      new TakeImagesStream(end - first),
    ),
    expected: total === undefined ? undefined : end - first,
    describe: { kind: "file", path, seed: header.seed ?? null },
    range: [first, end],
    total,
    warnings,
  };
}

async function generated(meta: ModelMeta, o: SourceOptions): Promise<ImageSource> {
  const trained = trainingSeed(meta);
  if (o.seed !== undefined && trained !== undefined && o.seed === trained) {
    throw new UsageError(`--seed ${o.seed} is the model's training seed; pick another`);
  }
  const seed = o.seed ?? (trained ?? 1) + EVAL_SEED_OFFSET;
  const shape = meta.image_shape;
  let grid: QGrid = { qmax: o.qmax, size: shape[0] };
  if (o.grid !== undefined) {
    const [height, width] = gridShape(o.grid);
    if (shape.join() !== [height, width].join()) {
      throw new UsageError(
        `--grid-from: a ${height}×${width} grid; the model's images are [${shape}]`,
      );
    }
    grid = o.grid;
  } else if (shape.length !== 2 || shape[0] !== shape[1]) {
    throw new UsageError(
      `the model's images are [${shape}]; the linspace generator makes square images: ` +
        `use --grid-from (the training grid's file) or --data`,
    );
  }
  const models = resolveModels(o.models, await SasHost.catalog(), []);
  const settings: GenerationSettings = {
    seed,
    models,
    grid,
    noise: "none",
    flux: 1,
    plugins: [],
  };
  const warnings = trained === undefined && o.seed === undefined
    ? [`training seed not recorded in the model; evaluating on seed ${seed}`]
    : [];
  const [start, end] = sliceOf(o.n, o);
  return {
    chunks: imageStream(settings, { start, end, chunkSize: 64, workers: o.workers }),
    expected: end - start,
    range: [start, end],
    total: o.n,
    describe: {
      kind: "generated",
      seed,
      models,
      ...(o.grid === undefined
        ? { qmax: o.qmax }
        : { grid: `${shape.join("×")}, ${gridLayout(grid)}` }),
      training_seed: trained ?? null,
    },
    warnings,
  };
}

/** Drops the first `n` images and passes the rest through. */
export class SkipImagesStream extends TransformStream<Chunk, Chunk> {
  constructor(n: number) {
    let left = n;
    super({
      transform(chunk, controller) {
        if (left >= chunk.count) left -= chunk.count;
        else {
          controller.enqueue(left > 0 ? sliceChunk(chunk, left, chunk.count) : chunk);
          left = 0;
        }
      },
    });
  }
}

/** Passes through the first `n` images and then stops (cancelling the source). */
export class TakeImagesStream extends TransformStream<Chunk, Chunk> {
  constructor(n: number) {
    let left = n;
    super({
      transform(chunk, controller) {
        if (chunk.count <= left) controller.enqueue(chunk);
        else if (left > 0) controller.enqueue(sliceChunk(chunk, 0, left));
        left -= Math.min(left, chunk.count);
        if (left === 0) controller.terminate();
      },
    });
  }
}
