/**
 * Measured images with their uncertainty channel (issue 8): σ is coded first under its own
 * relative bound, then I within K·σ per pixel, with tolerances both sides derive from the
 * decoded σ̂ — so |Î−I| ≤ K·σ holds for the original σ.
 *
 * @example
 * ```ts
 * const coded = encodeWithUncertainty(image, sigma, { height: 150, width: 150, k: 0.5 });
 * const { image: decoded } = decodeWithUncertainty(coded, 0.5);
 * ```
 * @module
 */

import { UsageError } from "../../pipeline/errors.ts";
import { decodeBounded, encodeBounded, readBoundedHeader } from "./bounded_codec.ts";
import { sigmaTolerance } from "./sigma_tolerance.ts";

/** Default relative bound of the uncertainty channel (issue 8: 1 %). */
export const DEFAULT_SIGMA_REL = 0.01;

/** The two streams of an image coded within K·σ. */
export interface UncertaintyStreams {
  /** σ under a relative bound (decode first). */
  sigma: Uint8Array;
  /** I under per-pixel tolerances derived from the decoded σ̂. */
  image: Uint8Array;
}

/** Options of {@link encodeWithUncertainty}. */
export interface UncertaintyOptions {
  /** Image rows. */
  height: number;
  /** Image columns. */
  width: number;
  /** K in |Î−I| ≤ K·σ. */
  k: number;
  /** Relative bound of σ (default {@link DEFAULT_SIGMA_REL}). */
  sigmaRel?: number;
  /** Pixels stored exactly in both channels (see `encodeBounded`). */
  mask?: Uint8Array;
}

/** Codes σ, then I within K·σ: every pixel of the decoded image has |Î−I| ≤ K·σ. */
export function encodeWithUncertainty(
  image: Float32Array,
  sigma: Float32Array,
  opts: UncertaintyOptions,
): UncertaintyStreams {
  const { height, width, mask } = opts;
  const r = opts.sigmaRel ?? DEFAULT_SIGMA_REL;
  const sigmaBytes = encodeBounded(sigma, { height, width, bound: { kind: "rel", r }, mask });
  const tolerance = toleranceOf(sigmaBytes, opts.k);
  const imageBytes = encodeBounded(image, {
    height,
    width,
    bound: { kind: "pointwise", tolerance },
    mask,
  });
  return { sigma: sigmaBytes, image: imageBytes };
}

/** Decodes both channels of {@link encodeWithUncertainty}; `k` must be the encoder's. */
export function decodeWithUncertainty(
  streams: UncertaintyStreams,
  k: number,
): { image: Float32Array; sigma: Float32Array } {
  const sigma = decodeBounded(streams.sigma).image;
  const tolerance = sigmaTolerance(sigma, k, sigmaBound(streams.sigma));
  return { image: decodeBounded(streams.image, { tolerance }).image, sigma };
}

/** Tolerances K·σ̂/(1 + r) from the σ stream, with r as stored in its header. */
function toleranceOf(sigmaBytes: Uint8Array, k: number): Float32Array {
  return sigmaTolerance(decodeBounded(sigmaBytes).image, k, sigmaBound(sigmaBytes));
}

function sigmaBound(sigmaBytes: Uint8Array): number {
  const { bound } = readBoundedHeader(sigmaBytes);
  if (bound.kind !== "rel") {
    throw new UsageError(`the uncertainty stream has a ${bound.kind} bound, expected rel`);
  }
  return bound.value;
}
