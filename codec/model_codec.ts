/**
 * A trained model joined to the sparse codec: image chunks → `.sqz` records and back.
 * The gap model is the one learned on training codes (`gap_model.json` in the model folder)
 * when present, else the paper's discretized Gaussian (σ² = 1e3).
 * @module
 */
import { joinImageCode, splitImageCode } from "./image_code.ts";
import { sideInfoBytes, toNetwork } from "../models/transform.ts";
import { FormatError } from "../pipeline/errors.ts";
import { type Chunk, chunkToFloat32, type ImageLabel } from "../pipeline/record_format.ts";
import { loadTrainedModel, type TrainedModel } from "../models/trained_model.ts";
import { selectBackend } from "../models/backend.ts";
import { type GapModel, gapModelFromJSON, gaussianGapModel } from "./gap_model.ts";
import type { QuantName } from "./quantize.ts";
import { decodeLatent, encodeLatent, type SparseCodeOptions } from "./sparse_code.ts";
import type { SqzInput, SqzRecord } from "./sqz_container.ts";
import type { SqzHeader } from "./sqz_header.ts";
import { refineLadder, refineLatents, type RefineSettings, type RefineStats } from "./refine.ts";

/** A loaded model with everything needed to write and read its codes. */
export interface ModelCodec {
  model: TrainedModel;
  /** SHA-256 of the model's weight files, in manifest order. */
  modelId: Uint8Array;
  gapModel: GapModel;
  options: SparseCodeOptions;
  header: SqzHeader;
  /** Code refinement at encode time (absent: the encoder's codes as they are). */
  refine?: RefineSettings;
  /** What refinement did so far, over every image this codec encoded. */
  refineStats: RefineStats;
}

/** SHA-256 over the weight files listed in `dir/model.json`. */
export async function modelWeightsId(dir: string): Promise<Uint8Array> {
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/model.json`)) as {
    weightsManifest: { paths: string[] }[];
  };
  const parts = [];
  for (const group of manifest.weightsManifest) {
    for (const p of group.paths) parts.push(await Deno.readFile(`${dir}/${p}`));
  }
  const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
}

/** Load `dir` for coding with the given value quantizer and drop threshold. */
export async function openModelCodec(
  dir: string,
  settings: {
    quant?: QuantName;
    threshold?: number;
    backend?: string;
    refine?: RefineSettings;
  } = {},
): Promise<ModelCodec> {
  await selectBackend(settings.backend ?? "cpu");
  const model = await loadTrainedModel(dir);
  const modelId = await modelWeightsId(dir);
  let gapModel: GapModel;
  try {
    gapModel = gapModelFromJSON(JSON.parse(await Deno.readTextFile(`${dir}/gap_model.json`)));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    gapModel = gaussianGapModel(1e3);
  }
  const { arch } = model;
  const quant = settings.quant ?? "fp16";
  const options: SparseCodeOptions = {
    f: arch.f,
    quant,
    threshold: settings.threshold ?? 0,
    gapModel,
  };
  const [height, width] = model.meta.image_shape.length === 2
    ? model.meta.image_shape
    : [1, arch.n];
  const header: SqzHeader = {
    modelId,
    height,
    width,
    dtype: "float32",
    ell: arch.ell,
    f: arch.f,
    quant,
    gapModelId: gapModel.id,
  };
  const refine = settings.refine?.steps ? settings.refine : undefined;
  const refineStats = { images: 0, improved: 0, errorBefore: 0, errorAfter: 0 };
  return { model, modelId, gapModel, options, header, refine, refineStats };
}

/** ", refined …" for a done line: what refinement did (empty without it). */
export function describeRefinement(codec: ModelCodec): string {
  const r = codec.refine;
  const s = codec.refineStats;
  if (!r || s.images === 0) return "";
  const mean = (sum: number) => (sum / s.images).toPrecision(3);
  const target = r.target !== undefined && s.rungs
    ? `; ${s.withinTarget ?? 0} within ${r.metric} ${r.target}, codes of ` +
      refineLadder(r.nonzeros).map((k, i) => `≤ ${k} entries: ${s.rungs![i]}`).join(", ")
    : "";
  return `, codes refined (${r.steps} steps${r.nonzeros ? `, ≤ ${r.nonzeros} entries` : ""}): ` +
    `${s.improved} of ${s.images} improved, mean ${r.metric} ${mean(s.errorBefore)} → ` +
    `${mean(s.errorAfter)}${target}`;
}

/**
 * The latents [count × ℓ] whose codes represent `images` [count × n]: the encoder's, refined
 * when the codec says so. `scales` are the images' side information (`model.scales`).
 */
export async function encodeImages(
  codec: ModelCodec,
  images: Float32Array,
  source: string,
  scales: Int16Array,
): Promise<Float32Array> {
  const z = await codec.model.encode(images, source, scales);
  if (!codec.refine) return z;
  const x = toNetwork(codec.model.transform, images, scales);
  return await refineLatents(codec.model, x, z, codec.options, codec.refine, codec.refineStats);
}

/** Encodes chunks of images into one `.sqz` record per image (labels travel along). */
export class CompressStream extends TransformStream<Chunk, SqzInput> {
  constructor(codec: ModelCodec, source = "input") {
    const { ell } = codec.model.arch;
    const side = sideInfoBytes(codec.model.transform);
    super({
      async transform(chunk, controller) {
        const images = chunkToFloat32(chunk, codec.model.meta.image_shape, source);
        const scales = codec.model.scales(images, source);
        const z = await encodeImages(codec, images, source, scales);
        for (let i = 0; i < chunk.count; i++) {
          const sparse = encodeLatent(z.subarray(i * ell, (i + 1) * ell), codec.options);
          const code = joinImageCode(scales[i], side, sparse);
          controller.enqueue({ code, label: chunk.labels[i] });
        }
      },
    });
  }
}

/** The same codec reading codes written with another value quantizer. */
export function withQuant(codec: ModelCodec, quant: QuantName): ModelCodec {
  return { ...codec, options: { ...codec.options, quant }, header: { ...codec.header, quant } };
}

/**
 * Decodes `.sqz` records back into chunks of `batch` reconstructed images, using the codec
 * settings of the file's header (awaited when the first record arrives).
 */
export class DecompressStream extends TransformStream<SqzRecord, Chunk> {
  constructor(model: ModelCodec, fileHeader: Promise<SqzHeader>, batch = 256, name = "sqz stream") {
    const { ell } = model.model.arch;
    const side = sideInfoBytes(model.model.transform);
    let scales = new Int16Array(batch);
    const shape = [model.header.height, model.header.width];
    let codec: ModelCodec | undefined;
    let latents = new Float32Array(batch * ell);
    let labels: ImageLabel[] = [];
    const flush = async (controller: TransformStreamDefaultController<Chunk>) => {
      if (!labels.length) return;
      const count = labels.length;
      const data = await model.model.decode(
        latents.subarray(0, count * ell),
        name,
        scales.subarray(0, count),
      );
      controller.enqueue({ count, shape, dtype: "float32", labels, data });
      latents = new Float32Array(batch * ell);
      scales = new Int16Array(batch);
      labels = [];
    };
    super({
      async transform(record, controller) {
        codec ??= withQuant(model, (await fileHeader).quant);
        const at = labels.length * ell;
        const where = `${name}: record ${record.index}`;
        const { scale, sparse } = splitImageCode(record.code, side, where);
        scales[labels.length] = scale;
        try {
          decodeLatent(sparse, ell, codec.options, latents.subarray(at, at + ell));
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
          throw new FormatError(`${where}: ${e.message}`);
        }
        labels.push((record.label ?? { index: record.index }) as ImageLabel);
        if (labels.length === batch) await flush(controller);
      },
      flush,
    });
  }
}
