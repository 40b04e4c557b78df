/** Code flags shared by the tasks that write sparse codes (compress, evaluate). */
import type { FlagSpec } from "./_cli.ts";
import type { QuantName } from "../codec/quantize.ts";
import {
  checkRefineSettings,
  REFINE_METRICS,
  type RefineMetric,
  type RefineSettings,
} from "../codec/refine.ts";

/** --model DIR, required: the trained model folder a task codes with. */
export const MODEL_FLAG = {
  type: "string",
  help: "trained model folder",
  arg: "DIR",
  path: "in-dir",
  required: true,
} as const satisfies FlagSpec;

/** --quant, --threshold, --refine, --refine-nnz, --refine-metric, --refine-target, --isotropy. */
export const CODE_FLAGS = {
  quant: {
    type: "string",
    help: "value quantizer",
    default: "fp16",
    choices: ["fp16", "bf16", "fp8"] as const,
  },
  threshold: {
    type: "number",
    help: "drop latent entries (or jumps) with |value| ≤ this",
    default: 0,
    min: 0,
  },
  refine: {
    type: "int",
    help: "refine each code by this many gradient steps through the decoder (0: the encoder's " +
      "codes; 100 is a good value, ~15 images/s on 2 cores)",
    default: 0,
    min: 0,
    arg: "STEPS",
  },
  "refine-nnz": {
    type: "int",
    help: "with --refine, let each code grow to this many entries (0: keep the encoder's support)",
    default: 0,
    min: 0,
    arg: "K",
  },
  "refine-metric": {
    type: "string",
    help: "the error --refine minimizes per image",
    default: "rms_rel",
    choices: REFINE_METRICS,
  },
  "refine-target": {
    type: "number",
    help: "with --refine-nnz K, give each image the shortest code of K/4, K/2 and K entries " +
      "whose --refine-metric error is at most this (e.g. 0.05), or its best K-entry code",
    above: 0,
    arg: "E",
  },
  isotropy: {
    type: "boolean",
    help: "let each code say its image is isotropic (I depends on |q| only): the decoder's " +
      "output is then averaged over pixels of equal |q|; chosen per image where it lowers the " +
      "error, packed in the 2-byte scale (no byte more); needs a per-image transform; on for " +
      "models trained with --isotropy",
  },
} satisfies Record<string, FlagSpec>;

/** The codec settings the code flags ask for. */
export function codeSettings(
  flags: {
    quant: QuantName;
    threshold: number;
    refine: number;
    "refine-nnz": number;
    "refine-metric": RefineMetric;
    "refine-target"?: number;
    isotropy?: boolean;
  },
): { quant: QuantName; threshold: number; refine?: RefineSettings; isotropy: boolean } {
  const refine = checkRefineSettings({
    steps: flags.refine,
    nonzeros: flags["refine-nnz"],
    metric: flags["refine-metric"],
    ...(flags["refine-target"] !== undefined ? { target: flags["refine-target"] } : {}),
  });
  return {
    quant: flags.quant,
    threshold: flags.threshold,
    ...(refine.steps > 0 ? { refine } : {}),
    isotropy: flags.isotropy ?? false,
  };
}
