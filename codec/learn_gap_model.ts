/**
 * Learning the code model of a trained model's codes — the gap distribution ρ(δ) (the better
 * alternative to the paper's discretized Gaussian), the per-unit activity table and the value
 * tables (codec/gap_model.ts) — and storing it in the model folder as `gap_model.json`, where
 * `openModelCodec` finds it (codec/code_model_file.ts keeps the one it replaces).
 * @module
 */
import { UsageError } from "../pipeline/errors.ts";
import { firstItems } from "../pipeline/batch_stream.ts";
import { loadTrainedModel, type TrainedModel } from "../models/trained_model.ts";
import {
  gapHistogram,
  type GapModel,
  learnedGapModel,
  VALUE_TABLE_QUANTS,
  withCodeTables,
} from "./gap_model.ts";
import { quantizerByName, type QuantName } from "./quantize.ts";
import { saveGapModel } from "./code_model_file.ts";
import { codedEntries, type LatentTransform } from "./sparse_code.ts";
import { encodeImages, type ModelCodec } from "./model_codec.ts";

/** Largest gap kept in the learned table; longer gaps are escaped. */
const MAX_LEARNED_GAP = 4096;

/** Code model learned on the codes of `images` [count × n] (coded as compress would). */
export async function learnGapModel(
  model: TrainedModel,
  images: Float32Array,
  options: { quant?: QuantName; threshold?: number } = {},
): Promise<{ gapModel: GapModel; codes: number }> {
  const z = await model.encode(images, "gap-model sample");
  const { ell, f } = model.arch;
  return { gapModel: codeModelOf([z], ell, f, options), codes: z.length / ell };
}

/**
 * The code model of latent sets `latents` (each [count × ℓ]): gaps and unit activity of their
 * codes under `options.quant` (default fp16), value tables of every quantizer.
 */
export function codeModelOf(
  latents: Float32Array[],
  ell: number,
  f: LatentTransform,
  options: { quant?: QuantName; threshold?: number } = {},
): GapModel {
  const quant = options.quant ?? "fp16";
  const lists: Int32Array[] = [];
  const unitCounts = new Float64Array(ell);
  const valueCounts: Partial<Record<QuantName, Float64Array>> = {};
  for (const q of VALUE_TABLE_QUANTS) valueCounts[q] = new Float64Array(256);
  for (const z of latents) {
    for (let i = 0; i < z.length / ell; i++) {
      const row = z.subarray(i * ell, (i + 1) * ell);
      for (const q of VALUE_TABLE_QUANTS) {
        const { indices, patterns } = codedEntries(row, {
          f,
          quant: q,
          threshold: options.threshold,
        });
        const shift = quantizerByName(q).bits - 8; // the table is over the top 8 bits
        for (const p of patterns) valueCounts[q]![p >>> shift]++;
        if (q !== quant) continue;
        lists.push(indices);
        for (const k of indices) unitCounts[k]++;
      }
    }
  }
  const maxGap = Math.min(ell, MAX_LEARNED_GAP);
  const h = gapHistogram(lists, maxGap);
  const gaps = learnedGapModel(h.gapCounts, h.endCount, h.escapeCount, maxGap);
  return withCodeTables(gaps, unitCounts, lists.length, valueCounts);
}

/**
 * The code model of the codes `codec` writes for `images` [count × n]: the encoder's codes and,
 * when the codec refines, the refined codes of the same images too (one model serves both).
 */
export async function learnCodeModel(
  codec: ModelCodec,
  images: Float32Array,
  onImages?: (count: number) => void,
): Promise<{ gapModel: GapModel; codes: number }> {
  const source = "code-model sample";
  const { n, ell, f } = codec.model.arch;
  const sets: Float32Array[] = [];
  for (let first = 0; first < images.length; first += LEARN_BLOCK * n) {
    const block = images.subarray(first, Math.min(images.length, first + LEARN_BLOCK * n));
    const scales = codec.model.scales(block, source);
    sets.push(await codec.model.encode(block, source, scales));
    if (codec.refine) sets.push(await encodeImages(codec, block, source, scales));
    onImages?.(block.length / n);
  }
  const q = codec.options.quant;
  const quant = q === undefined ? undefined : typeof q === "string" ? q : q.name;
  const gapModel = codeModelOf(sets, ell, f, { quant, threshold: codec.options.threshold });
  return { gapModel, codes: sets.reduce((a, z) => a + z.length / ell, 0) };
}

/** Images encoded (and refined) at a time while learning a code model. */
const LEARN_BLOCK = 256;

/** Training images whose codes the learned gap model ρ(δ) is fitted on. */
const GAP_SAMPLE = 4096;

/**
 * Learns ρ(δ) for the model in `dir` on the codes of the first images of a stream of
 * `shape` images and stores it there; returns how many codes it was fitted on.
 */
export async function learnModelGaps(
  dir: string,
  images: AsyncIterable<Float32Array>,
  shape: readonly number[],
): Promise<number> {
  const model = await loadTrainedModel(dir);
  try {
    if (model.meta.image_shape.join() !== shape.join()) {
      throw new UsageError(
        `--data has images of [${shape}], the model in ${dir} expects [${model.meta.image_shape}]`,
      );
    }
    const sample = await firstItems(images, GAP_SAMPLE, model.arch.n);
    const { gapModel, codes } = await learnGapModel(model, sample);
    await saveGapModel(dir, gapModel);
    return codes;
  } finally {
    model.dispose();
  }
}
