/** Flags of evaluate's rate–distortion sweep (`--sweep`) and their checks. */
import { UsageError } from "../pipeline/errors.ts";
import {
  SWEEP_CODERS,
  type SweepCoder,
  type SweepSettings,
} from "../baselines/rate_distortion_sweep.ts";
import type { FlagSpec } from "./_cli.ts";

/** --sweep, --sweep-n, --sweep-bounds, --sweep-thresholds and --sweep-coders. */
export const SWEEP_FLAGS = {
  sweep: {
    type: "boolean",
    help: "rate–distortion sweep on the first --sweep-n images: sweep.json, rate_distortion.svg",
  },
  "sweep-n": { type: "int", help: "images the sweep codes", default: 256, min: 1 },
  "sweep-bounds": {
    type: "string",
    help: "relative bounds R of the bounded coders and zfp",
    arg: "LIST",
    default: "0.001,0.01,0.05,0.1",
  },
  "sweep-thresholds": {
    type: "string",
    help: "drop thresholds of the autoencoder alone",
    arg: "LIST",
    default: "0,0.05,0.2",
  },
  "sweep-coders": {
    type: "string",
    help: `coders to run, of ${Object.keys(SWEEP_CODERS).join(",")}`,
    arg: "LIST",
    default: Object.keys(SWEEP_CODERS).join(","),
  },
} satisfies Record<string, FlagSpec>;

/** The sweep's settings when --sweep is given (lists checked; UsageError names the flag). */
export function sweepSettings(
  flags: {
    sweep: boolean;
    "sweep-n": number;
    "sweep-bounds": string;
    "sweep-thresholds": string;
    "sweep-coders": string;
    batch: number;
  },
): SweepSettings | undefined {
  if (!flags.sweep) {
    const given = (["sweep-n", "sweep-bounds", "sweep-thresholds", "sweep-coders"] as const).filter(
      (name) => flags[name] !== SWEEP_FLAGS[name].default,
    );
    if (given.length) throw new UsageError(`--${given[0]} needs --sweep`);
    return undefined;
  }
  return {
    bounds: numberList("sweep-bounds", flags["sweep-bounds"], (v) => v > 0, "> 0"),
    thresholds: numberList("sweep-thresholds", flags["sweep-thresholds"], (v) => v >= 0, "≥ 0"),
    batch: flags.batch,
    coders: coderList(flags["sweep-coders"]),
  };
}

function coderList(text: string): SweepCoder[] {
  const known = Object.keys(SWEEP_CODERS);
  const coders = text.split(",").map((item) => item.trim());
  for (const coder of coders) {
    if (!known.includes(coder)) {
      throw new UsageError(
        `--sweep-coders: unknown coder "${coder}" in "${text}" (known: ${known.join(", ")})`,
      );
    }
  }
  return [...new Set(coders)] as SweepCoder[];
}

function numberList(
  name: string,
  text: string,
  ok: (v: number) => boolean,
  expected: string,
): number[] {
  return text.split(",").map((item) => {
    const v = Number(item);
    if (item.trim() === "" || !Number.isFinite(v) || !ok(v)) {
      throw new UsageError(
        `--${name} must be a comma-separated list of numbers ${expected}, got "${text}"`,
      );
    }
    return v;
  });
}
