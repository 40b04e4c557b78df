/**
 * Training checkpoints: one file, written atomically, holding where training stands (a JSON
 * header) and the weights with Adam's moments, so that `train --resume` continues exactly.
 * @module
 */

import { TrainedModelError, UsageError } from "../pipeline/errors.ts";
import { writeFileAtomic } from "../pipeline/atomic_file.ts";
import { type Architecture, SparseAutoencoder, weightShapes } from "./autoencoder.ts";
import { Adam } from "./adam.ts";

/** Training produced non-finite weights or loss (names the epoch and --lr); nothing is saved. */
export class DivergedError extends UsageError {}

/** A checkpoint: a JSON header plus named Float32Arrays. */
export interface Checkpoint {
  header: Record<string, unknown>;
  arrays: Float32Array[];
}

const MAGIC = 0x4b435153; // "SQCK"

/** Writes a checkpoint atomically: magic, header length, JSON header (padded to 4), arrays. */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const lengths = checkpoint.arrays.map((a) => a.length);
  const json = new TextEncoder().encode(JSON.stringify({ ...checkpoint.header, lengths }));
  const headerBytes = Math.ceil(json.byteLength / 4) * 4;
  const floats = lengths.reduce((n, l) => n + l, 0);
  const bytes = new Uint8Array(8 + headerBytes + floats * 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, json.byteLength, true);
  bytes.set(json, 8);
  const body = new Float32Array(bytes.buffer, 8 + headerBytes, floats);
  let offset = 0;
  for (const a of checkpoint.arrays) body.set(a, offset), offset += a.length;
  await writeFileAtomic(path, bytes);
}

/** Reads a checkpoint written by `saveCheckpoint`; TrainedModelError when it is damaged. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new TrainedModelError(`${path}: no checkpoint to resume from`);
    }
    throw error;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) {
    throw new TrainedModelError(`${path}: not a checkpoint`);
  }
  const length = view.getUint32(4, true);
  if (8 + length > bytes.byteLength) throw new TrainedModelError(`${path}: truncated checkpoint`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  } catch {
    throw new TrainedModelError(`${path}: damaged checkpoint header`);
  }
  const lengths = header?.lengths;
  if (
    !Array.isArray(lengths) || !lengths.every((l) => Number.isSafeInteger(l) && l >= 0)
  ) {
    throw new TrainedModelError(`${path}: damaged checkpoint header`);
  }
  const start = 8 + Math.ceil(length / 4) * 4;
  const floats = (lengths as number[]).reduce((n, l) => n + l, 0);
  if (bytes.byteLength !== start + floats * 4) {
    throw new TrainedModelError(`${path}: truncated checkpoint`);
  }
  const body = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.byteLength),
  );
  let offset = 0;
  return {
    header,
    arrays: (lengths as number[]).map((l) => body.subarray(offset, offset += l)),
  };
}

/** Model and optimizer restored from a checkpoint, with the header it was saved under. */
export interface Restored {
  header: Record<string, unknown>;
  model: SparseAutoencoder;
  adam: Adam;
}

/**
 * Restores the weights and Adam's moments saved by {@linkcode saveTrainingState}; a checkpoint
 * of another architecture is a UsageError naming the file.
 */
export async function restoreTrainingState(
  path: string,
  arch: Architecture,
  learningRate: number,
  step: (header: Record<string, unknown>) => number,
): Promise<Restored> {
  const checkpoint = await loadCheckpoint(path);
  const saved = checkpoint.header.arch as Architecture;
  if (typeof saved !== "object" || saved === null) {
    throw new TrainedModelError(`${path}: damaged checkpoint header (no architecture)`);
  }
  if (saved.n !== arch.n || saved.m !== arch.m || saved.ell !== arch.ell || saved.f !== arch.f) {
    throw new UsageError(`--resume: ${path} holds a different architecture`);
  }
  if (saved.topk !== arch.topk) {
    throw new UsageError(
      `--resume: ${path} was written with --topk ${saved.topk ?? "unset"} (this run ${
        arch.topk ?? "unset"
      })`,
    );
  }
  const count = weightShapes(arch).length;
  const model = new SparseAutoencoder(
    arch,
    checkpoint.arrays.slice(0, count).map((a) => a.slice()),
  );
  const adam = new Adam(model.variables, { learningRate });
  const moments = checkpoint.arrays.slice(count);
  adam.restore({
    step: step(checkpoint.header),
    m: moments.slice(0, count),
    v: moments.slice(count),
  });
  return { header: checkpoint.header, model, adam };
}

/**
 * Saves the model's weights and Adam's moments to `path` (atomically) under the header that
 * `header` builds from Adam's step count.
 */
export async function saveTrainingState(
  path: string,
  model: SparseAutoencoder,
  adam: Adam,
  header: (step: number) => Record<string, unknown>,
): Promise<void> {
  const state = await adam.state();
  const weights = await model.readWeights();
  for (const [i, w] of weights.entries()) {
    if (!w.every(Number.isFinite)) {
      throw new DivergedError(
        `training diverged: weight array ${i} is not finite; ${path} keeps the last good ` +
          `state; try a smaller --lr`,
      );
    }
  }
  await saveCheckpoint(path, {
    header: header(state.step),
    arrays: [...weights, ...state.m, ...state.v],
  });
}
