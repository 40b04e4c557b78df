/**
 * `train --init DIR`: a trained model as the starting point of a new run (fine-tuning at
 * another rate, for longer, or on measured data). The new run keeps the model's widths, selector
 * f and fitted input transform, so its codes stay comparable; λ is the model's own (for an
 * adaptive run, the value it ended at) unless the caller gives one.
 * @module
 */

import { FormatError } from "../pipeline/errors.ts";
import { type Architecture, checkTopK } from "./autoencoder.ts";
import { loadMeta, loadModel } from "./model_io.ts";
import type { InputTransform } from "./transform.ts";

/** What a run takes from the model it starts from. */
export interface InitModel {
  /** The model directory, as given (recorded in the new model's `sasquash.json`). */
  dir: string;
  arch: Architecture;
  transform: InputTransform;
  /** Reads its weights, in `weightShapes` order (only a fresh run needs them, not a resume). */
  weights(): Promise<Float32Array[]>;
}

/**
 * Loads `dir` to start a run on images of `shape` (from `dataPath`); a model trained on another
 * image shape is a FormatError naming both. `lambda` and `topk` replace the model's when given.
 */
export async function loadInitModel(
  dir: string,
  shape: readonly number[],
  dataPath: string,
  lambda?: number,
  topk?: number,
): Promise<InitModel> {
  const meta = await loadMeta(dir);
  if (JSON.stringify(meta.image_shape) !== JSON.stringify([...shape])) {
    throw new FormatError(
      `--init ${dir}: the model was trained on ${meta.image_shape.join("×")} images, ` +
        `${dataPath} holds ${shape.join("×")}`,
    );
  }
  const arch: Architecture = { ...meta.architecture, lambda: lambda ?? meta.architecture.lambda };
  if (topk !== undefined) arch.topk = checkTopK(topk, arch.ell);
  const weights = async () => (await loadModel(dir)).weights;
  return { dir, arch, transform: meta.transform, weights };
}
