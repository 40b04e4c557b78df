/**
 * Learning the gap distribution ρ(δ) of a trained model's codes (the better alternative to the
 * paper's discretized Gaussian) and storing it in the model folder as `gap_model.json`, where
 * `openModelCodec` finds it.
 * @module
 */
import { writeFileAtomic } from "../pipeline/atomic_file.ts";
import type { TrainedModel } from "../models/trained_model.ts";
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
