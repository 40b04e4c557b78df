/** Detector flags shared by the tasks that compute images (generate, render). */
import { ACCURACIES } from "../generators/host/generation_plan.ts";
import type { FlagSpec } from "./_cli.ts";

/** --qmax, --size, --resolution and --accuracy. */
export const DETECTOR_FLAGS = {
  qmax: { type: "number", help: "detector q range in 1/Å", default: 0.3, above: 0 },
  size: { type: "int", help: "pixels per side", default: 64, min: 2, max: 4096 },
  resolution: {
    type: "number",
    help: "pinhole smearing dq/q in [0, 1), sasmodels Pinhole2D (0 = off)",
    default: 0,
    min: 0,
  },
  accuracy: {
    type: "string",
    help: "smearing points per pixel: 3×4, 5×6, 5×12, 10×20",
    default: "low",
    choices: ACCURACIES,
  },
} satisfies Record<string, FlagSpec>;
