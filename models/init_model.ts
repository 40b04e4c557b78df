/**
 * `train --init DIR`: a trained model as the starting point of a new run (fine-tuning at
 * another rate, for longer, or on measured data). The new run keeps the model's widths, selector
 * f and fitted input transform, so its codes stay comparable; λ is the model's own (for an
 * adaptive run, the value it ended at) unless the caller gives one; `--widen M` widens its hidden
 * layers to M units without changing its function (models/widen.ts).
 * @module
 */

import { FormatError } from "../pipeline/errors.ts";
import { type Architecture, checkTopK } from "./autoencoder.ts";
import { loadMeta, loadModel } from "./model_io.ts";
import type { InputTransform } from "./transform.ts";
import { widenedArchitecture, widenHidden } from "./widen.ts";

/** What a run takes from the model it starts from. */
export interface InitModel {
  /** The model directory, as given (recorded in the new model's `sasquash.json`). */
  dir: string;
  arch: Architecture;
  transform: InputTransform;
  /**
   * The seed of its validation split and the SHA-256 of its training stream's header: a run on
   * the same data keeps that split, so that its validation images stay unseen.
   */
  split: { seed: number; headerSha256: string } | undefined;
  /** Reads its weights, in `weightShapes` order (only a fresh run needs them, not a resume). */
  weights(): Promise<Float32Array[]>;
}

/**
 * Loads `dir` to start a run on images of `shape` (from `dataPath`); a model trained on another
 * image shape is a FormatError naming both. `lambda` and `topk` replace the model's when given;
 * `widen` (with its `seed`) makes its hidden layers that wide.
 */
export async function loadInitModel(
  dir: string,
  shape: readonly number[],
  dataPath: string,
  lambda?: number,
  topk?: number,
  widen?: { m: number; seed: number },
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
  const training = meta.training ?? {};
  // Models from before split_seed was recorded split by their training seed.
  const splitSeed = training.split_seed ?? training.seed;
  const split = Number.isInteger(splitSeed) && typeof meta.data?.header_sha256 === "string"
    ? { seed: splitSeed as number, headerSha256: meta.data.header_sha256 }
    : undefined;
  if (widen === undefined) {
    const weights = async () => (await loadModel(dir)).weights;
    return { dir, arch, transform: meta.transform, split, weights };
  }
  // The widths are checked now, the weights widened only when a fresh run reads them.
  const wide = widenedArchitecture(arch, widen.m);
  const weights = async () =>
    widenHidden(arch, (await loadModel(dir)).weights, widen.m, widen.seed).weights;
  return { dir, arch: wide, transform: meta.transform, split, weights };
}
