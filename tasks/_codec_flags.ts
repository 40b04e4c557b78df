/** Code flags shared by the tasks that write sparse codes (compress, evaluate). */
import type { FlagSpec } from "./_cli.ts";

/** --quant and --threshold. */
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
} satisfies Record<string, FlagSpec>;
