/**
 * Per-pixel tolerances for K·σ bounds (issue 8: |Î−I| ≤ K·err(I)) that encoder and decoder
 * derive alike from the decoded uncertainty channel.
 * @module
 */

import { FormatError, UsageError } from "../../pipeline/errors.ts";
import { float32Below } from "./_bounded_header.ts";

/**
 * Tolerances for |Î−I| ≤ k·σ when only σ̂, coded with relative bound `sigmaRel`, is known to
 * the decoder: the largest float32 ≤ k·|σ̂|/(1 + sigmaRel), which is ≤ k·σ.
 *
 * @example
 * ```ts
 * const sigmaBytes = encodeBounded(sigma, { height, width, bound: { kind: "rel", r: 0.01 } });
 * const tolerance = sigmaTolerance(decodeBounded(sigmaBytes).image, 0.5, 0.01);
 * const bytes = encodeBounded(image, { height, width, bound: { kind: "pointwise", tolerance } });
 * ```
 */
export function sigmaTolerance(
  sigmaDecoded: Float32Array,
  k: number,
  sigmaRel: number,
): Float32Array {
  if (!(k > 0 && k < Infinity) || !(sigmaRel >= 0 && sigmaRel < Infinity)) {
    throw new UsageError(
      `sigmaTolerance: k = ${k} and sigmaRel = ${sigmaRel} must be finite, k > 0`,
    );
  }
  const out = new Float32Array(sigmaDecoded.length);
  for (let i = 0; i < out.length; i++) {
    const s = Math.abs(sigmaDecoded[i]);
    if (!Number.isFinite(s)) throw new FormatError(`sigma at pixel ${i} is ${sigmaDecoded[i]}`);
    out[i] = float32Below((k * s) / (1 + sigmaRel));
  }
  return out;
}
