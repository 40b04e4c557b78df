/**
 * A trained model joined to the sparse codec: image chunks → `.sqz` records and back.
 * The gap model is the one learned on training codes (`gap_model.json` in the model folder)
 * when present, else the paper's discretized Gaussian (σ² = 1e3).
 * @module
 */
import { joinImageCode, splitImageCode } from "./image_code.ts";
import { sideInfoBytes, toNetwork } from "../models/transform.ts";
import { isotropicRows, projectIsotropic } from "../models/isotropy.ts";
import { CodecModelError, FormatError, UsageError } from "../pipeline/errors.ts";
import { type Chunk, chunkToFloat32, type ImageLabel } from "../pipeline/record_format.ts";
import { loadTrainedModel, type TrainedModel } from "../models/trained_model.ts";
import { selectBackend } from "../models/backend.ts";
import type { GapModel } from "./gap_model.ts";
import { openGapModel } from "./code_model_file.ts";
import type { QuantName } from "./quantize.ts";
import { decodeLatent, encodeLatent, type SparseCodeOptions } from "./sparse_code.ts";
import type { SqzInput, SqzRecord } from "./sqz_container.ts";
import type { SqzHeader } from "./sqz_header.ts";
import {
  refineLadder,
  refineLatents,
  RefineObjective,
  type RefineSettings,
  type RefineStats,
} from "./refine.ts";

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
  /**
   * Codes say which images decode isotropic (models/isotropy.ts), each chosen where it lowers the
   * image's error; `isotropicImages` counts them.
   */
  isotropy: boolean;
  isotropicImages: number;
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
    isotropy?: boolean;
    /** The code model a file names (its header's gap model id): found in gap_models/ too. */
    gapModelId?: number;
  } = {},
): Promise<ModelCodec> {
  await selectBackend(settings.backend ?? "cpu");
  const model = await loadTrainedModel(dir);
  const modelId = await modelWeightsId(dir);
  const gapModel = await openGapModel(dir, settings.gapModelId);
  const { arch } = model;
  if (gapModel.units !== undefined && gapModel.units.length !== arch.ell) {
    model.dispose();
    throw new CodecModelError(
      `${dir}: its code model has a unit table for ℓ = ${gapModel.units.length}, the model has ` +
        `ℓ = ${arch.ell} (relearn it: deno task code-model --model ${dir} --data …)`,
    );
  }
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
  // A model trained with --isotropy decodes its isotropic images averaged: its codes say which.
  const isotropy = (settings.isotropy ?? false) || model.meta.training?.isotropy === true;
  if (isotropy) {
    if (sideInfoBytes(model.transform) === 0) {
      throw new UsageError(
        `--isotropy: ${dir} uses the ${model.transform.kind} transform, whose codes have no ` +
          "side information to carry the flag; use a model with a per-image transform",
      );
    }
    header.isotropy = true;
  }
  const refine = settings.refine?.steps ? settings.refine : undefined;
  const refineStats = { images: 0, improved: 0, errorBefore: 0, errorAfter: 0 };
  return {
    model,
    modelId,
    gapModel,
    options,
    header,
    refine,
    refineStats,
    isotropy,
    isotropicImages: 0,
  };
}

/** ", N of M decoded isotropic" for a done line (empty without `isotropy`). */
export function describeIsotropy(codec: ModelCodec, images: number): string {
  return codec.isotropy ? `, ${codec.isotropicImages} of ${images} decoded isotropic` : "";
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
  // Images isotropic to 1 % are refined for the averaged decoding.
  const candidates = codec.isotropy
    ? isotropicRows(x, codec.model.radialClasses, codec.model.transform)
    : undefined;
  return await refineLatents(
    codec.model,
    x,
    z,
    codec.options,
    codec.refine,
    codec.refineStats,
    candidates,
  );
}

/**
 * The isotropy flags of images [count × n] coded as `latents` (as decoded from their code
 * bytes): 1 where the isotropic decoding has the lower error (the refinement metric, else
 * rms_rel) against the network's input; undefined when the codec does not flag images.
 */
export async function chooseIsotropy(
  codec: ModelCodec,
  images: Float32Array,
  scales: Int16Array,
  latents: Float32Array,
): Promise<Uint8Array | undefined> {
  if (!codec.isotropy) return undefined;
  const { n, ell } = codec.model.arch;
  const count = scales.length;
  const metric = codec.refine?.metric ?? "rms_rel";
  const flags = new Uint8Array(count);
  for (let first = 0; first < count; first += BLOCK) {
    const rows = Math.min(BLOCK, count - first);
    const x = toNetwork(
      codec.model.transform,
      images.subarray(first * n, (first + rows) * n),
      scales.subarray(first, first + rows),
    );
    // One decoder pass: the outputs as they are and averaged over equal |q|.
    const y = await codec.model.decodeNetwork(
      latents.subarray(first * ell, (first + rows) * ell),
      rows,
    );
    const objective = new RefineObjective(codec.model, x, rows, metric);
    const plain = objective.errorsOf(y);
    projectIsotropic(y, new Uint8Array(rows).fill(1), codec.model.radialClasses);
    const round = objective.errorsOf(y);
    for (let r = 0; r < rows; r++) flags[first + r] = round[r] < plain[r] ? 1 : 0;
  }
  codec.isotropicImages += flags.reduce((a, b) => a + b, 0);
  return flags;
}

/** Images per objective evaluation when choosing isotropy flags. */
const BLOCK = 256;

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
        const sparse = Array.from(
          { length: chunk.count },
          (_, i) => encodeLatent(z.subarray(i * ell, (i + 1) * ell), codec.options),
        );
        let flags: Uint8Array | undefined;
        if (codec.isotropy) {
          // The flags are chosen on the latents the decoder will see: those of the code bytes.
          const latents = new Float32Array(chunk.count * ell);
          sparse.forEach((bytes, i) =>
            decodeLatent(bytes, ell, codec.options, latents.subarray(i * ell, (i + 1) * ell))
          );
          flags = await chooseIsotropy(codec, images, scales, latents);
        }
        for (let i = 0; i < chunk.count; i++) {
          const code = joinImageCode(scales[i], side, sparse[i], flags?.[i]);
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
    let isotropic = new Uint8Array(batch);
    let flagged = false;
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
        flagged ? isotropic.subarray(0, count) : undefined,
      );
      controller.enqueue({ count, shape, dtype: "float32", labels, data });
      latents = new Float32Array(batch * ell);
      scales = new Int16Array(batch);
      isotropic = new Uint8Array(batch);
      labels = [];
    };
    super({
      async transform(record, controller) {
        if (!codec) {
          const header = await fileHeader;
          codec = withQuant(model, header.quant);
          flagged = header.isotropy === true;
          if (flagged && side === 0) {
            throw new FormatError(
              `${name}: the header says codes carry isotropy flags, but the model's ` +
                `${model.model.transform.kind} transform has no side information to hold them`,
            );
          }
        }
        const at = labels.length * ell;
        const where = `${name}: record ${record.index}`;
        const { scale, sparse, isotropic: flag } = splitImageCode(
          record.code,
          side,
          where,
          flagged,
        );
        scales[labels.length] = scale;
        isotropic[labels.length] = flag;
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
