/**
 * sbatch scripts for `deno task slurm`: a job array whose task k runs a sasquash task with
 * `--shard k/N`, and a merge job that runs after all of them succeed (`--dependency=afterok`).
 * @module
 */
import { UsageError } from "../pipeline/errors.ts";

/** The stages that run as arrays, and training (one GPU job). */
export const SLURM_STAGES = ["generate", "evaluate", "compress", "train"] as const;

/** One of {@linkcode SLURM_STAGES}. */
export type SlurmStage = typeof SLURM_STAGES[number];

/** What the scripts are made from. */
export interface SlurmPlan {
  stage: SlurmStage;
  /** The stage's own flags, without --out and --shard. */
  args: string[];
  /** The stage's --out: the merged file (generate), report folder (evaluate), .sqz folder. */
  out: string;
  array: number;
  partition?: string;
  time?: string;
  cpus: number;
  /** Folder for the scripts, the shards and the logs. */
  dir: string;
  /** Absolute path of the repository (the tasks/ folder's parent) and of deno. */
  repo: string;
  deno: string;
}

/** The scripts of a plan: the array (or the one training job) and the merge (absent for train). */
export interface SlurmScripts {
  array: string;
  merge?: string;
}

/** Quotes `s` for a POSIX shell when it holds anything but safe characters. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'"'"'`)}'`;
}

/** Checks a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS). */
export function checkSlurmTime(time: string): string {
  if (!/^(\d+-\d+(:\d\d){0,2}|\d+(:\d\d){0,2})$/.test(time)) {
    throw new UsageError(
      `--time must be a Slurm time such as 30, 2:00:00 or 1-12:00, got "${time}"`,
    );
  }
  return time;
}

/** The extension of the generate shards: that of --out, so a .gz run writes .gz parts. */
function partName(out: string, k: string): string {
  return `part-${k}${out.endsWith(".gz") ? ".ndjson.gz" : ".ndjson"}`;
}

function header(p: SlurmPlan, name: string, extra: string[]): string[] {
  const lines = [
    "#!/bin/bash",
    `#SBATCH --job-name=${name}`,
    ...extra,
    `#SBATCH --cpus-per-task=${p.cpus}`,
  ];
  if (p.partition) lines.push(`#SBATCH --partition=${p.partition}`);
  if (p.time) lines.push(`#SBATCH --time=${p.time}`);
  // The job starts in the folder sbatch ran in, so relative paths mean what they meant there.
  lines.push("set -euo pipefail");
  return lines;
}

function run(p: SlurmPlan, task: string, args: string[]): string {
  const config = `--config=${p.repo}/deno.json`;
  return [p.deno, "run", "-A", config, `${p.repo}/tasks/${task}.ts`, "--quiet", ...args].map((a) =>
    a.startsWith("$") ? `"${a}"` : shellQuote(a)
  ).join(" ");
}

/** The sbatch scripts of `p` (see {@linkcode SlurmScripts}). */
export function slurmScripts(p: SlurmPlan): SlurmScripts {
  const logs = `${p.dir}/logs`;
  if (p.stage === "train") {
    const lines = header(p, "sasquash-train", [
      `#SBATCH --output=${logs}/%x-%j.out`,
      "#SBATCH --nodes=1",
      "#SBATCH --gres=gpu:1",
    ]);
    lines.push(run(p, "train", [...p.args, "--out", p.out]));
    return { array: lines.join("\n") + "\n" };
  }
  const k = "$SLURM_ARRAY_TASK_ID", shards = `${p.dir}/shards`;
  const array = header(p, `sasquash-${p.stage}`, [
    `#SBATCH --array=1-${p.array}`,
    `#SBATCH --output=${logs}/%x-%A_%a.out`,
  ]);
  array.push(`mkdir -p ${shellQuote(shards)}`);
  const shardOut = p.stage === "generate"
    ? `${shards}/${partName(p.out, "${SLURM_ARRAY_TASK_ID}")}`
    : p.stage === "evaluate"
    ? `${shards}/\${SLURM_ARRAY_TASK_ID}`
    : p.out;
  array.push(
    run(p, p.stage, [...p.args, "--shard", `${k}/${p.array}`]) + ` --out "${shardOut}"`,
  );
  if (p.stage === "compress") return { array: array.join("\n") + "\n" };
  const parts = Array.from(
    { length: p.array },
    (_, i) =>
      p.stage === "generate" ? `${shards}/${partName(p.out, String(i + 1))}` : `${shards}/${i + 1}`,
  );
  // A failed shard cancels the merge instead of leaving it pending forever.
  const merge = header(p, `sasquash-${p.stage}-merge`, [
    `#SBATCH --output=${logs}/%x-%j.out`,
    "#SBATCH --kill-on-invalid-dep=yes",
  ]);
  merge.push(run(p, "merge", ["--out", p.out, ...parts]));
  return { array: array.join("\n") + "\n", merge: merge.join("\n") + "\n" };
}

/** The job id in `sbatch --parsable`'s output ("id" or "id;cluster"). */
export function parseJobId(stdout: string): string {
  const id = stdout.trim().split(";")[0];
  if (!/^\d+$/.test(id)) throw new UsageError(`sbatch printed "${stdout.trim()}", not a job id`);
  return id;
}
