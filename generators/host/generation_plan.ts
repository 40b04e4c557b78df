import { createHash } from "node:crypto";
/** Turning generate's flags into settings, a header and this shard's index range. @module */
import { UsageError } from "../../pipeline/errors.ts";
import { makeHeader, type StreamHeader } from "../../pipeline/record_format.ts";
import type { GenerationSettings } from "./image_job.ts";
import { type Accuracy, type Grid, gridLayout, gridShape, gridSpec } from "./detector_grid.ts";

/** The `--accuracy` choices: sasmodels Pinhole2D oversampling levels. */
export const ACCURACIES: readonly Accuracy[] = ["low", "med", "high", "xhigh"];

/** Generator version recorded in every header. */
export const GENERATOR_VERSION = "0.1.0";

/** sasmodels' realistic random recipe mix (reference README), the default `--models`. */
export const REALISTIC_MIX = [
  "sphere",
  "core_shell_sphere",
  "fuzzy_sphere",
  "lamellar",
  "cylinder",
  "core_shell_cylinder",
  "ellipsoid",
  "parallelepiped",
  "guinier",
  "lorentz",
  "power_law",
  "broad_peak",
];

/** Parse `k/N` (1 ≤ k ≤ N) into a 0-based shard index and count. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const k = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || k < 1 || k > n) {
    throw new UsageError(`--shard must be k/N with 1 ≤ k ≤ N (e.g. 2/4), got "${text}"`);
  }
  return { index: k - 1, count: n };
}

/** Indices [start, end) of shard `index` of `count`, aligned to whole chunks. */
export function shardRange(
  n: number,
  chunkSize: number,
  index: number,
  count: number,
): [number, number] {
  const chunks = Math.ceil(n / chunkSize);
  const first = Math.floor((index * chunks) / count),
    last = Math.floor(((index + 1) * chunks) / count);
  return [Math.min(n, first * chunkSize), Math.min(n, last * chunkSize)];
}

/** Resolve `--models` against the catalog and plugin names. */
export function resolveModels(
  spec: string | undefined,
  catalog: string[],
  plugins: string[],
): string[] {
  if (spec === undefined) return plugins.length ? plugins : REALISTIC_MIX;
  if (spec === "all") {
    return [...catalog.filter((m) => m !== "hardsphere"), "sphere@hardsphere", ...plugins];
  }
  if (spec === "realistic") return REALISTIC_MIX;
  const known = new Set([...catalog, ...plugins]);
  const names = spec.split(",").map((s) => s.trim()).filter((s) => s);
  for (const name of names) {
    const parts = name.split("@");
    const bad = parts.find((p) => !known.has(p));
    if (bad !== undefined || parts.length > 2) {
      throw new UsageError(
        `--models: unknown model "${bad ?? name}"; known: ${[...known].sort().join(", ")}`,
      );
    }
  }
  if (!names.length) throw new UsageError("--models is empty");
  return names;
}

/**
 * Check `--resolution` (dq/q, 0 = off) and `--accuracy`; returns the Grid fields they set, none
 * when smearing is off so that unsmeared runs keep their exact settings and header.
 */
export function parseResolution(
  dqOverQ: number,
  accuracy: string,
): Pick<Grid, "resolution" | "accuracy"> {
  if (!(dqOverQ >= 0 && dqOverQ < 1)) {
    throw new UsageError(`--resolution must be a dq/q fraction in [0, 1), got ${dqOverQ}`);
  }
  if (!(ACCURACIES as readonly string[]).includes(accuracy)) {
    throw new UsageError(`--accuracy must be one of ${ACCURACIES.join(", ")}, got "${accuracy}"`);
  }
  return dqOverQ > 0 ? { resolution: dqOverQ, accuracy: accuracy as Accuracy } : {};
}

/** The header field describing a grid's smearing, present only when smearing is on. */
export function resolutionField(
  grid: Grid,
): { resolution?: { dq_over_q: number; accuracy: Accuracy } } {
  if (!grid.resolution) return {};
  return { resolution: { dq_over_q: grid.resolution, accuracy: grid.accuracy ?? "low" } };
}

/** The stream header of a generation run; identical for every shard of the run. */
export function generationHeader(settings: GenerationSettings, n: number): StreamHeader {
  const { grid, seed, models, noise, flux } = settings;
  return makeHeader(gridShape(grid), {
    seed,
    n,
    q: gridSpec(grid),
    ...resolutionField(grid),
    layout: gridLayout(grid),
    generator: { name: "sasquash-generate", version: GENERATOR_VERSION },
    models,
    noise: noise === "poisson" ? { type: "poisson", flux } : { type: "none" },
    plugins: settings.plugins.map((p) => p.filename),
    // the plugins' content, so that resume refuses an edited plugin file
    plugin_sha256: settings.plugins.map((p) => createHash("sha256").update(p.source).digest("hex")),
  });
}
