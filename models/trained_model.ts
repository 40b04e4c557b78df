/**
 * A trained model as the compress and evaluate stages use it: intensities in, latent z out,
 * and back. Batches run through the same native kernels as training.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { FormatError } from "../pipeline/errors.ts";
import { type Architecture, SparseAutoencoder } from "./autoencoder.ts";
import { loadModel, type ModelMeta } from "./model_io.ts";
import { projectIsotropic, type RadialClasses, radialClassesOf } from "./isotropy.ts";
import {
  assertFinite,
  imageScales,
  type InputTransform,
  toIntensity,
  toNetwork,
} from "./transform.ts";

/** Images per tfjs call when encoding or decoding many. */
const BLOCK = 256;

/** A loaded model: architecture, transform and weights, ready to encode and decode. */
export class TrainedModel {
  constructor(readonly meta: ModelMeta, readonly network: SparseAutoencoder) {}

  /** The architecture (n, m, ℓ, λ, f). */
  get arch(): Architecture {
    return this.meta.architecture;
  }

  /** The input transform stored with the model. */
  get transform(): InputTransform {
    return this.meta.transform;
  }

  /**
   * Per-image side information of intensities [count × n] (zeros when the transform has none);
   * a NaN or infinite pixel is a FormatError naming it.
   */
  scales(intensities: Float32Array, source = "input"): Int16Array {
    checkLength(intensities, this.arch.n, source);
    assertFinite(intensities, this.arch.n, source);
    return imageScales(this.transform, intensities, this.arch.n, source);
  }

  /** Intensities [count × n] → what the network sees, in a new array. */
  toNetwork(intensities: Float32Array, source = "input"): Float32Array {
    return toNetwork(this.transform, intensities, this.scales(intensities, source));
  }

  /**
   * Intensities [count × n] → latents z [count × ℓ] (exact zeros where ReLU cut); pass the
   * images' `scales` when the caller needs them too, so they are computed once.
   */
  async encode(
    intensities: Float32Array,
    source = "input",
    scales: Int16Array = this.scales(intensities, source),
  ): Promise<Float32Array> {
    const { n, ell } = this.arch;
    const count = intensities.length / n;
    if (scales.length !== count) {
      throw new Error(`encode: ${scales.length} scales for ${count} images`);
    }
    const out = new Float32Array(count * ell);
    for (let first = 0; first < count; first += BLOCK) {
      const rows = Math.min(BLOCK, count - first);
      const x = toNetwork(
        this.transform,
        intensities.subarray(first * n, (first + rows) * n),
        scales.subarray(first, first + rows),
      );
      out.set(await this.encodeNetwork(x, rows), first * ell);
    }
    return out;
  }

  /** The equal-|q| pixel classes of the model's images (models/isotropy.ts). */
  get radialClasses(): RadialClasses {
    return radialClassesOf(this.meta.image_shape, this.arch.n);
  }

  /**
   * Latents z [count × ℓ] → reconstructed intensities [count × n]; a per-image transform needs
   * the images' `scales` (carried in their codes). Images flagged in `isotropic` have the
   * network's output averaged over pixels of equal |q| before the inverse transform.
   */
  async decode(
    latents: Float32Array,
    source = "latents",
    scales?: Int16Array,
    isotropic?: Uint8Array,
  ): Promise<Float32Array> {
    const { n, ell } = this.arch;
    checkLength(latents, ell, source);
    const count = latents.length / ell;
    const out = new Float32Array(count * n);
    for (let first = 0; first < count; first += BLOCK) {
      const rows = Math.min(BLOCK, count - first);
      const y = await this.decodeNetwork(latents.subarray(first * ell, (first + rows) * ell), rows);
      if (isotropic) {
        projectIsotropic(y, isotropic.subarray(first, first + rows), this.radialClasses);
      }
      out.set(toIntensity(this.transform, y, scales?.subarray(first, first + rows)), first * n);
    }
    return out;
  }

  /** Transformed inputs [rows × n] → z [rows × ℓ] (a copy, safe to keep). */
  encodeNetwork(x: Float32Array, rows: number): Promise<Float32Array> {
    return read(tf.tidy(() => this.network.encode(tf.tensor2d(x, [rows, this.arch.n]))));
  }

  /** z [rows × ℓ] → network outputs [rows × n] (a copy, safe to keep). */
  decodeNetwork(z: Float32Array, rows: number): Promise<Float32Array> {
    return read(tf.tidy(() => this.network.decode(tf.tensor2d(z, [rows, this.arch.ell]))));
  }

  /** Frees the weights. */
  dispose(): void {
    this.network.dispose();
  }
}

/** Copies a tensor's values out and disposes it (the copy survives buffer reuse). */
async function read(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data() as Float32Array).slice();
  } finally {
    t.dispose();
  }
}

function checkLength(values: Float32Array, width: number, source: string): void {
  if (values.length % width !== 0) {
    throw new FormatError(
      `${source}: ${values.length} values is not a whole number of rows of ${width}`,
    );
  }
}

/** Loads `dir` (model.json, weights.bin, sasquash.json); TrainedModelError names a missing/bad file. */
export async function loadTrainedModel(dir: string): Promise<TrainedModel> {
  const { meta, weights } = await loadModel(dir);
  return new TrainedModel(meta, new SparseAutoencoder(meta.architecture, weights));
}
