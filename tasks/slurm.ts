/**
 * `deno task slurm`: run a stage on a Slurm cluster — a job array of shards and a merge job that
 * waits for them (`--dependency=afterok`), or training as one GPU job.
 */
import { resolve } from "node:path";
import { UsageError } from "../pipeline/errors.ts";
import { runTask, type TaskSpec } from "./_cli.ts";
import {
  checkSlurmTime,
  parseJobId,
  SLURM_STAGES,
  slurmScripts,
  type SlurmStage,
} from "./_sbatch.ts";

const spec = {
  name: "slurm",
  usage: "generate|evaluate|compress|train [stage flags] --out PATH --array N [slurm flags]",
  summary:
    "Write sbatch scripts that run a stage as a Slurm job array (task k runs --shard k/N,\n" +
    "N = --array) and a merge job submitted with --dependency=afterok on the array (deno task\n" +
    "merge: the one-run file or report), and submit them with sbatch. compress shards a list of\n" +
    "inputs and needs no merge. train is one job on one GPU node (--gres=gpu:1). Flags not listed\n" +
    "here go to the stage unchanged.",
  flags: {
    array: { type: "int", help: "array tasks (shards)", default: 1, min: 1, max: 100000 },
    partition: { type: "string", help: "Slurm partition", arg: "P" },
    time: { type: "string", help: "time limit per job (Slurm syntax: 30, 2:00:00, 1-0)", arg: "T" },
    cpus: { type: "int", help: "CPUs per task (--cpus-per-task)", default: 2, min: 1 },
    dir: {
      type: "string",
      help: "folder for scripts, shards and logs (default <out>.slurm)",
      arg: "DIR",
    },
    "dry-run": { type: "boolean", help: "print the scripts, submit nothing" },
  },
  examples: [
    "deno task slurm generate --n 50000 --out train.ndjson.gz --array 16 --time 1:00:00",
    "deno task slurm evaluate --model runs/cpu --n 150000 --out report/ --array 32 --partition cpu",
    "deno task slurm compress --model runs/cpu --in 'night/*.ndjson.gz' --out sqz/ --array 8",
    "deno task slurm train --data train.ndjson.gz --backend tensorflow --out runs/gpu --partition gpu",
  ],
} satisfies TaskSpec;

/** Splits the slurm task's own flags from the stage's, and takes the stage's --out. */
function splitArgs(argv: string[]) {
  const own: string[] = [], stage: string[] = [];
  let out: string | undefined, shard = false;
  for (let i = 0; i < argv.length; i++) {
    const [name, value] = argv[i].replace(/^--/, "").split(/=(.*)/s, 2);
    const f = (spec.flags as Record<string, { type: string }>)[name];
    const takesValue = value === undefined && i + 1 < argv.length;
    if (argv[i].startsWith("--") && (f || name === "help" || name === "quiet")) {
      own.push(argv[i]);
      if (f && f.type !== "boolean" && takesValue) own.push(argv[++i]);
    } else if (name === "out" && argv[i].startsWith("--")) {
      out = value ?? argv[++i];
    } else {
      shard ||= name === "shard" && argv[i].startsWith("--");
      stage.push(argv[i]);
    }
  }
  return { own, stage, out, shard };
}

async function sbatch(script: string, extra: string[] = []): Promise<string> {
  let r: Deno.CommandOutput;
  try {
    r = await new Deno.Command("sbatch", { args: ["--parsable", ...extra, script] }).output();
  } catch {
    throw new UsageError("sbatch not found: run on a Slurm login node, or use --dry-run");
  }
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  if (r.code !== 0) throw new UsageError(`sbatch ${script}: ${text(r.stderr)}`);
  return parseJobId(text(r.stdout));
}

if (import.meta.main) {
  const [stage, ...rest] = Deno.args;
  const { own, stage: stageArgs, out, shard } = stage?.startsWith("-")
    ? { own: Deno.args, stage: [], out: undefined, shard: false }
    : splitArgs(rest);
  Deno.exitCode = await runTask(spec, async (flags) => {
    if (!SLURM_STAGES.includes(stage as SlurmStage)) {
      throw new UsageError(`the first argument is the stage: ${SLURM_STAGES.join(", ")}`);
    }
    if (shard) throw new UsageError("--shard is set by the job array; give --array N instead");
    if (!out) throw new UsageError(`--out is required (the ${stage} output)`);
    const dir = resolve(flags.dir ?? `${out.replace(/\/+$/, "")}.slurm`);
    const repo = resolve(new URL("..", import.meta.url).pathname);
    // Pyodide workers as many as the CPUs Slurm gives each task, unless told otherwise.
    const workers = ["generate", "evaluate"].includes(stage) &&
        !stageArgs.some((a) => a.startsWith("--workers"))
      ? ["--workers", String(flags.cpus)]
      : [];
    const scripts = slurmScripts({
      stage: stage as SlurmStage,
      args: [...stageArgs, ...workers],
      out: resolve(out),
      array: flags.array,
      partition: flags.partition,
      time: flags.time && checkSlurmTime(flags.time),
      cpus: flags.cpus,
      dir,
      repo,
      deno: Deno.execPath(),
    });
    if (flags["dry-run"]) {
      console.log(`# ${dir}/${stage}.sbatch\n${scripts.array}`);
      if (scripts.merge) {
        console.log(`# ${dir}/merge.sbatch (after the array succeeds)\n${scripts.merge}`);
      }
      return;
    }
    await Deno.mkdir(`${dir}/logs`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${stage}.sbatch`, scripts.array);
    const id = await sbatch(`${dir}/${stage}.sbatch`);
    console.log(
      `submitted ${stage} job ${id}${stage === "train" ? "" : ` (array 1-${flags.array})`}`,
    );
    if (scripts.merge) {
      await Deno.writeTextFile(`${dir}/merge.sbatch`, scripts.merge);
      const merge = await sbatch(`${dir}/merge.sbatch`, [`--dependency=afterok:${id}`]);
      console.log(`submitted merge job ${merge} (after ${id}) → ${resolve(out)}`);
    }
  }, own);
}
