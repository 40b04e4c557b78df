/**
 * Wall time of `deno task slurm evaluate` with 1 and with 2 array tasks on this machine, on the
 * throw-away single-node Slurm cluster of the tests (root, slurm-wlm and munge needed), against a
 * one-process `evaluate` measured in the same run.
 * Run: deno run -A bench/slurm_evaluate.ts --model DIR [--n 1500] [--arrays 1,2]
 * Wall time runs from the first sbatch to the end of the merge job; each array task gets
 * CPUs/N cores and as many Pyodide workers.
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
let t0 = performance.now();
await run({}, "evaluate", ...evaluate, "--workers", String(cpus), "--quiet", "--out", `${dir}/one`);
const baseline = (performance.now() - t0) / 1000;
console.log(`one process, ${cpus} workers: ${baseline.toFixed(1)} s (baseline)`);
const cluster = await startSlurmCluster();
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
    const states = await waitForJobs(cluster, jobs, 3600);
    const wall = (performance.now() - t0) / 1000;
    const same = (await Deno.readTextFile(`${dir}/a${array}/summary.json`)) ===
      (await Deno.readTextFile(`${dir}/one/summary.json`));
    console.log(
      `slurm --array ${array} (${per} CPU each): ${wall.toFixed(1)} s, ` +
        `${(Number(flags.n) / wall).toFixed(1)} images/s, ratio to baseline ` +
        `${(baseline / wall).toFixed(2)}×, jobs ${states.join(" ")}, summary identical: ${same}`,
    );
    const logs = `${dir}/a${array}.slurm/logs`;
    for (const e of Deno.readDirSync(logs)) {
      const text = Deno.readTextFileSync(`${logs}/${e.name}`).trim();
      if (text) console.log(`  ${e.name}: ${text.split("\n").at(-1)}`);
    }
  }
} finally {
  await cluster.stop();
  await Deno.remove(dir, { recursive: true });
}
