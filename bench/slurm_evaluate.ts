/**
 * Wall time of `deno task slurm evaluate` with 1 and with 2 array tasks on this machine, on the
 * throw-away single-node Slurm cluster of the tests (root, slurm-wlm and munge needed), against a
 * one-process `evaluate` measured in the same run.
 * Run: deno run -A bench/slurm_evaluate.ts --model DIR [--n 1500] [--arrays 1,2] [--no-baseline]
 *   [--keep DIR]
 * Wall time runs from the first sbatch to the end of the merge job; each array task gets
 * CPUs/N cores and as many Pyodide workers. `--no-baseline` skips the one-process run (for
 * `--n 150000`, where it alone takes most of an hour); the 1-minute load average is sampled
 * every minute and its range printed with each configuration. `--keep DIR` copies each
 * configuration's merged summary.json there.
 * @module
 */
import { parseArgs } from "node:util";
import {
  slurmUnavailable,
  startSlurmCluster,
  waitForJobs,
} from "../tests/fixtures/slurm_cluster.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string" },
    n: { type: "string", default: "1500" },
    arrays: { type: "string", default: "1,2" },
    "no-baseline": { type: "boolean", default: false },
    keep: { type: "string" },
  },
});
const why = slurmUnavailable();
if (why || !flags.model) {
  console.error(why ?? "--model DIR is required");
  Deno.exit(1);
}
const TASKS = new URL("../tasks/", import.meta.url).pathname;
const cpus = navigator.hardwareConcurrency;

async function run(env: Record<string, string>, task: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${TASKS}${task}.ts`, ...args],
    env,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (out.code !== 0) throw new Error(`${task} failed`);
  return new TextDecoder().decode(out.stdout);
}

const dir = await Deno.makeTempDir({ prefix: "sasquash-bench-slurm-" });
const evaluate = ["--model", flags.model, "--n", flags.n];
/** 1-minute load averages sampled since the last reset. */
let loads: number[] = [];
const sampleLoad = () => loads.push(Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]));
const sampler = setInterval(sampleLoad, 60_000);
const loadRange = () => {
  sampleLoad();
  const range = `load ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}`;
  loads = [];
  return range;
};
let t0 = performance.now();
let baseline = NaN;
if (!flags["no-baseline"]) {
  await run(
    {},
    "evaluate",
    ...evaluate,
    "--workers",
    String(cpus),
    "--quiet",
    "--out",
    `${dir}/one`,
  );
  baseline = (performance.now() - t0) / 1000;
  console.log(`one process, ${cpus} workers: ${baseline.toFixed(1)} s (baseline), ${loadRange()}`);
}
const started = new Date().toISOString();
console.log(`started ${started}, ${cpus} CPUs, --n ${flags.n}`);
const cluster = await startSlurmCluster();
const summaries: string[] = [];
const walls: string[] = [];
try {
  for (const array of flags.arrays.split(",").map(Number)) {
    const per = Math.max(1, Math.floor(cpus / array));
    t0 = performance.now();
    const out = await run(
      cluster.env,
      "slurm",
      "evaluate",
      ...evaluate,
      "--array",
      String(array),
      "--cpus",
      String(per),
      "--out",
      `${dir}/a${array}`,
    );
    const jobs = [...out.matchAll(/submitted \w+ job (\d+)/g)].map((m) => m[1]);
    // Generation runs at ≥ 20 images/s per CPU here: allow 10× that time before giving up.
    const states = await waitForJobs(cluster, jobs, Math.max(3600, Number(flags.n) / 2));
    const wall = (performance.now() - t0) / 1000;
    if (states.join(",").split(",").some((s) => s !== "COMPLETED")) {
      throw new Error(`--array ${array}: jobs ended ${states.join(" ")}; logs in ${dir}`);
    }
    const summary = await Deno.readTextFile(`${dir}/a${array}/summary.json`);
    const same = Number.isNaN(baseline)
      ? "no baseline"
      : summary === (await Deno.readTextFile(`${dir}/one/summary.json`));
    summaries.push(summary);
    if (flags.keep) {
      await Deno.mkdir(flags.keep, { recursive: true });
      await Deno.copyFile(`${dir}/a${array}/summary.json`, `${flags.keep}/summary-a${array}.json`);
    }
    console.log(
      `slurm --array ${array} (${per} CPU each): ${wall.toFixed(1)} s, ` +
        `${(Number(flags.n) / wall).toFixed(1)} images/s, ratio to baseline ` +
        `${(baseline / wall).toFixed(2)}×, jobs ${states.join(" ")}, ${loadRange()}, ` +
        `summary identical to baseline: ${same}`,
    );
    walls.push(`--array ${array}: ${wall.toFixed(1)} s`);
    const logs = `${dir}/a${array}.slurm/logs`;
    for (const e of Deno.readDirSync(logs)) {
      const text = Deno.readTextFileSync(`${logs}/${e.name}`).trim();
      if (text) console.log(`  ${e.name}: ${text.split("\n").at(-1)}`);
    }
  }
  console.log(
    `${walls.join(", ")}; summaries of all configurations identical: ` +
      `${summaries.every((s) => s === summaries[0])}`,
  );
} finally {
  clearInterval(sampler);
  await cluster.stop();
  await Deno.remove(dir, { recursive: true });
}
