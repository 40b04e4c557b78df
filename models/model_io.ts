/**
 * Model directories: `model.json` + `weights.bin` (TensorFlow.js layers format, loadable by
 * `tf.loadLayersModel`) and `sasquash.json` (architecture, f, λ, transform, data hash).
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { TrainedModelError } from "../pipeline/errors.ts";
import { writeFileAtomic } from "../pipeline/atomic_file.ts";
import { type Architecture, validTopK, weightShapes } from "./autoencoder.ts";
import { type InputTransform, parseTransform } from "./transform.ts";

/** Contents of `sasquash.json`. */
export interface ModelMeta {
  format: "sasquash-model";
  version: 1;
  architecture: Architecture;
  image_shape: number[];
  transform: InputTransform;
  /** SHA-256 (hex) of the training stream's header line, and what was trained on. */
  data: { header_sha256: string; seed?: number; train_images?: number; val_images?: number };
  training?: Record<string, unknown>;
}

/** Saves weights (in `weightShapes` order) and metadata as a model directory. */
export async function saveModel(
  dir: string,
  meta: ModelMeta,
  weights: Float32Array[],
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const a = meta.architecture;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [a.n],
        units: a.m,
        activation: "relu",
        name: "encoder_hidden",
      }),
      tf.layers.dense({ units: a.ell, activation: "relu", name: "latent" }),
      tf.layers.dense({ units: a.m, activation: "relu", name: "decoder_hidden" }),
      tf.layers.dense({ units: a.n, activation: "linear", name: "reconstruction" }),
    ],
  });
  const topology = model.toJSON(undefined, false) as object;
  const names = model.weights.map((w) => w.originalName);
  model.dispose();
  const specs = weightShapes(a).map((shape, i) => ({ name: names[i], shape, dtype: "float32" }));
  const total = weights.reduce((sum, w) => sum + w.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const w of weights) data.set(w, offset), offset += w.length;
  const manifest = {
    format: "layers-model",
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: "sasquash",
    modelTopology: topology,
    weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
  };
  await writeFileAtomic(`${dir}/weights.bin`, new Uint8Array(data.buffer));
  await writeFileAtomic(`${dir}/model.json`, JSON.stringify(manifest));
  await writeFileAtomic(`${dir}/sasquash.json`, JSON.stringify(meta, null, 2));
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new TrainedModelError(`${path}: no such file (not a model directory?)`);
    }
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TrainedModelError(`${path}: invalid JSON (${(error as Error).message})`);
  }
}

/** Reads and validates `sasquash.json`. */
export async function loadMeta(dir: string): Promise<ModelMeta> {
  const file = `${dir}/sasquash.json`;
  const meta = await readJson(file) as Partial<ModelMeta> | null;
  if (meta === null || typeof meta !== "object" || meta.format !== "sasquash-model") {
    throw new TrainedModelError(`${file}: format must be "sasquash-model"`);
  }
  if (meta.version !== 1) {
    throw new TrainedModelError(`${file}: unsupported version ${meta.version}`);
  }
  const a = meta.architecture as Partial<Architecture> | undefined;
  for (const field of ["n", "m", "ell"] as const) {
    if (!a || !Number.isInteger(a[field]) || a[field]! < 1) {
      throw new TrainedModelError(`${file}: architecture.${field} must be a positive integer`);
    }
  }
  if (typeof a!.lambda !== "number" || !(a!.lambda >= 0)) {
    throw new TrainedModelError(`${file}: architecture.lambda must be a number ≥ 0`);
  }
  if (a!.f !== "z" && a!.f !== "grad") {
    throw new TrainedModelError(`${file}: architecture.f must be z or grad`);
  }
  if (a!.topk !== undefined && !validTopK(a!.topk, a!.ell!)) {
    throw new TrainedModelError(
      `${file}: architecture.topk must be an integer from 1 to architecture.ell = ${a!.ell}`,
    );
  }
  const shape = meta.image_shape;
  if (!Array.isArray(shape) || shape.reduce((p, d) => p * d, 1) !== a!.n) {
    throw new TrainedModelError(`${file}: image_shape must multiply to architecture.n = ${a!.n}`);
  }
  const transform = parseTransform(meta.transform, file);
  return { ...meta, architecture: a as Architecture, transform } as ModelMeta;
}

/** Loads a model directory: its metadata and weights in `weightShapes` order. */
export async function loadModel(
  dir: string,
): Promise<{ meta: ModelMeta; weights: Float32Array[] }> {
  const meta = await loadMeta(dir);
  const file = `${dir}/model.json`;
  const manifest = await readJson(file) as {
    weightsManifest?: {
      paths: string[];
      weights: { name: string; shape: number[]; dtype: string }[];
    }[];
  };
  const groups = manifest?.weightsManifest;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new TrainedModelError(`${file}: no weightsManifest`);
  }
  const shapes = weightShapes(meta.architecture);
  const specs = groups.flatMap((g) => g.weights);
  if (specs.length !== shapes.length) {
    throw new TrainedModelError(
      `${file}: ${specs.length} weights, the architecture needs ${shapes.length}`,
    );
  }
  specs.forEach((spec, i) => {
    if (spec.dtype !== "float32" || spec.shape.join() !== shapes[i].join()) {
      throw new TrainedModelError(
        `${file}: weight ${spec.name} is ${spec.dtype}[${spec.shape}], expected float32[${
          shapes[i]
        }]`,
      );
    }
  });
  const parts: Uint8Array[] = [];
  for (const path of groups.flatMap((g) => g.paths)) {
    try {
      parts.push(await Deno.readFile(`${dir}/${path}`));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new TrainedModelError(`${dir}/${path}: weights file missing`);
      }
      throw error;
    }
  }
  const bytes = parts.length === 1 ? parts[0] : concat(parts);
  const total = shapes.reduce((sum, s) => sum + s.reduce((p, d) => p * d, 1), 0);
  if (bytes.byteLength !== total * 4) {
    throw new TrainedModelError(
      `${dir}: weights hold ${bytes.byteLength} bytes, expected ${total * 4}`,
    );
  }
  const all = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
  let offset = 0;
  const weights = shapes.map((s) => {
    const size = s.reduce((p, d) => p * d, 1);
    return all.slice(offset, offset += size);
  });
  return { meta, weights };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) out.set(p, offset), offset += p.byteLength;
  return out;
}
