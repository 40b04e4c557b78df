/**
 * Learning the gap distribution ρ(δ) of a trained model's codes (the better alternative to the
 * paper's discretized Gaussian) and storing it in the model folder as `gap_model.json`, where
 * `openModelCodec` finds it.
 * @module
 */
import { writeFileAtomic } from "../pipeline/atomic_file.ts";
import { UsageError } from "../pipeline/errors.ts";
import { firstItems } from "../pipeline/batch_stream.ts";
import { loadTrainedModel, type TrainedModel } from "../models/trained_model.ts";
import { gapHistogram, type GapModel, gapModelToJSON, learnedGapModel } from "./gap_model.ts";
import type { QuantName } from "./quantize.ts";
import { codedIndices } from "./sparse_code.ts";

/** Largest gap kept in the learned table; longer gaps are escaped. */
const MAX_LEARNED_GAP = 4096;

/** Gap model learned on the codes of `images` [count × n] (coded as compress would). */
export async function learnGapModel(
  model: TrainedModel,
  images: Float32Array,
  options: { quant?: QuantName; threshold?: number } = {},
): Promise<{ gapModel: GapModel; codes: number }> {
  const { ell, f } = model.arch;
  const z = await model.encode(images, "gap-model sample");
  const count = z.length / ell;
  const lists: Int32Array[] = [];
  for (let i = 0; i < count; i++) {
    lists.push(codedIndices(z.subarray(i * ell, (i + 1) * ell), { f, ...options }));
  }
  const maxGap = Math.min(ell, MAX_LEARNED_GAP);
  const h = gapHistogram(lists, maxGap);
  return {
    gapModel: learnedGapModel(h.gapCounts, h.endCount, h.escapeCount, maxGap),
    codes: count,
  };
}

/** Store a gap model as `<dir>/gap_model.json` (atomically). */
export async function saveGapModel(dir: string, gapModel: GapModel): Promise<void> {
  await writeFileAtomic(`${dir}/gap_model.json`, JSON.stringify(gapModelToJSON(gapModel)));
}

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
