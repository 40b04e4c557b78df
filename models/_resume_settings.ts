/**
 * What `train --resume` must find unchanged: the settings a checkpoint was written with, each
 * with the flag that sets it, and the log trimmed to the epochs the checkpoint holds.
 * @module
 */
import { UsageError } from "../pipeline/errors.ts";
import type { TrainOptions } from "./trainer.ts";

/** The settings of a run that a resume must match, keyed by the flag that sets each. */
export function resumeSettings(options: TrainOptions): Record<string, unknown> {
  return {
    "--batch": options.batch,
    "--lr": options.learningRate,
    "--seed": options.seed,
    "--lambda": options.arch.lambda,
    "--val": options.valFraction,
    "--target-error": options.targetError ?? null,
    ...(options.targetNnz === undefined ? {} : { "--target-nnz": options.targetNnz }),
    "--target-metric": options.targetMetric ?? "rel_l2",
    "--best-by": options.bestBy ?? "mean",
    "--transform": options.transform ?? "log-image",
    "--schedule": options.schedule ?? "cosine",
    "--loss": options.loss ?? "mse",
    "--warmup": options.warmupSteps ?? 100,
    "--shuffle": options.shuffleImages ?? null,
    "--max-val": options.maxValImages ?? null,
    "--data": options.headerSha256 ?? null,
    "--init": options.init?.dir ?? null,
    "--isotropy": options.isotropy ?? false,
  };
}

/**
 * Throws a UsageError naming each flag whose value differs from the checkpoint's (a checkpoint
 * from before settings were recorded is checked on its seed and λ).
 */
export function checkResumeSettings(
  path: string,
  header: Record<string, unknown>,
  ours: Record<string, unknown>,
): void {
  const theirs = (header.settings as Record<string, unknown> | undefined) ?? {
    "--seed": header.seed,
    "--lambda": (header.arch as { lambda?: number } | undefined)?.lambda,
  };
  const differ = Object.keys(theirs).filter((flag) =>
    flag in ours && JSON.stringify(theirs[flag]) !== JSON.stringify(ours[flag])
  );
  if (differ.length === 0) return;
  const show = (v: unknown) => flagValue(v);
  throw new UsageError(
    `--resume: ${path} was written with other settings: ` +
      differ.map((f) =>
        f === "--data"
          ? "--data (another stream)"
          : `${f} ${show(theirs[f])} (this run ${show(ours[f])})`
      ).join(", ") + "; rerun with those or train afresh",
  );
}

function flagValue(v: unknown): string {
  return v === null || v === undefined ? "unset" : String(v);
}

/** Keeps the first `lines` lines of the log (those of epochs the checkpoint holds). */
export async function keepLogLines(path: string, lines: number): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return;
  }
  const kept = text.split("\n").filter((l) => l !== "").slice(0, lines);
  const want = kept.map((l) => l + "\n").join("");
  if (want !== text) await Deno.writeTextFile(path, want);
}
