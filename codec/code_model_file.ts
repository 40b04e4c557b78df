/**
 * Code models on disk: a model folder's `gap_model.json` and the replaced ones it keeps as
 * `gap_models/<id>.json` (8 hex digits), so files written with them still decode.
 * @module
 */
import { writeFileAtomic } from "../pipeline/atomic_file.ts";
import { CodecModelError } from "../pipeline/errors.ts";
import { hex32 } from "../pipeline/record_format.ts";
import { type GapModel, gapModelFromJSON, gapModelToJSON, gaussianGapModel } from "./gap_model.ts";

/** Where a model folder keeps a replaced code model of id `id`. */
export function keptGapModelPath(dir: string, id: number): string {
  return `${dir}/gap_models/${hex32(id)}.json`;
}

/** The code model stored at `path`, or undefined when there is no such file. */
export async function readGapModel(path: string): Promise<GapModel | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    return gapModelFromJSON(JSON.parse(text));
  } catch (e) {
    throw new CodecModelError(`${path}: ${(e as Error).message}`);
  }
}

/**
 * The code model of the folder `dir`: its `gap_model.json` (the paper's Gaussian without one) or,
 * when `id` names another — a file written before the model was re-learned — the kept model of
 * that id, or the paper's Gaussian when that is the one named (written before any was learned).
 * A named id found nowhere gives the folder's current model; the reader then reports both ids.
 */
export async function openGapModel(dir: string, id?: number): Promise<GapModel> {
  const paper = gaussianGapModel(1e3);
  const current = await readGapModel(`${dir}/gap_model.json`) ?? paper;
  if (id === undefined || id === current.id) return current;
  const kept = await readGapModel(keptGapModelPath(dir, id));
  if (kept?.id === id) return kept;
  return paper.id === id ? paper : current;
}

/**
 * Stores a code model as `<dir>/gap_model.json` (atomically). A different model already there is
 * kept at {@linkcode keptGapModelPath} for the files written with it; returns that path when it
 * did so.
 */
export async function saveGapModel(dir: string, gapModel: GapModel): Promise<string | undefined> {
  const previous = await readGapModel(`${dir}/gap_model.json`);
  let kept: string | undefined;
  if (previous !== undefined && previous.id !== gapModel.id) {
    await Deno.mkdir(`${dir}/gap_models`, { recursive: true });
    kept = keptGapModelPath(dir, previous.id);
    await writeFileAtomic(kept, JSON.stringify(gapModelToJSON(previous)));
  }
  await writeFileAtomic(`${dir}/gap_model.json`, JSON.stringify(gapModelToJSON(gapModel)));
  return kept;
}
