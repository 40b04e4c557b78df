/**
 * Choosing the mode of a bounded stream: which modes apply, and the search over them (private
 * to `codec/bounded/`).
 * @module
 */

import { UsageError } from "../../pipeline/errors.ts";
import type { BoundedEncodeOptions, BoundedMode } from "./bounded_codec.ts";
import { SYMMETRIES, symmetryFits } from "./_coding_plan.ts";

/** Predictor names, in header-id order. */
export const PREDICTORS = ["lorenzo", "interpolation", "smooth"] as const;

/** Smallest of some streams (the first on ties). */
export function smallest(streams: Uint8Array[]): Uint8Array {
  return streams.reduce((a, b) => (b.length < a.length ? b : a));
}

/**
 * Greedy mode search: every symmetry (and with/without prediction) under interpolation, then
 * the other predictors under the winner's symmetry. Within 0.15 % of the exhaustive search on the
 * generator's images at 2.2× its speed (docs/BENCHMARKS.md).
 */
export function greedySearch(
  codeMode: (mode: BoundedMode) => Uint8Array,
  withPrediction: boolean,
  height: number,
  width: number,
): Uint8Array {
  let best: { mode: BoundedMode; bytes: Uint8Array } | null = null;
  for (const mode of allModes(withPrediction, height, width)) {
    if (mode.predictor !== "interpolation") continue;
    const bytes = codeMode(mode);
    if (best === null || bytes.length < best.bytes.length) best = { mode, bytes };
  }
  let bytes = best!.bytes;
  for (const predictor of PREDICTORS) {
    if (predictor === "interpolation") continue;
    bytes = smallest([bytes, codeMode({ ...best!.mode, predictor })]);
  }
  return bytes;
}

/** Checks a mode against the options; returns its symmetry id. */
export function checkMode(
  mode: BoundedMode,
  opts: BoundedEncodeOptions,
  havePrediction: boolean,
): number {
  if (mode.usePrediction && !havePrediction) {
    throw new UsageError(`mode uses a prediction but none was given`);
  }
  if (!PREDICTORS.includes(mode.predictor)) {
    throw new UsageError(
      `unknown predictor '${mode.predictor}' (expected ${PREDICTORS.join(", ")})`,
    );
  }
  const symmetry = SYMMETRIES.indexOf(mode.symmetry);
  if (symmetry < 0 || !symmetryFits(opts.height, opts.width, symmetry)) {
    throw new UsageError(`symmetry '${mode.symmetry}' does not fit ${opts.height} × ${opts.width}`);
  }
  return symmetry;
}

export function allModes(withPrediction: boolean, height: number, width: number): BoundedMode[] {
  const modes: BoundedMode[] = [];
  for (const usePrediction of withPrediction ? [false, true] : [false]) {
    for (const predictor of PREDICTORS) {
      SYMMETRIES.forEach((symmetry, id) => {
        if (symmetryFits(height, width, id)) modes.push({ predictor, usePrediction, symmetry });
      });
    }
  }
  return modes;
}
