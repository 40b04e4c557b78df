/**
 * Runs `deno task slurm` on a real single-node Slurm cluster (tests/fixtures/slurm_cluster.ts):
 * a 4-task generate array and a 2-task evaluate array with their merge jobs, checked byte for
 * byte against one-process runs. Skipped, saying why, where Slurm is not installed.
 */
import "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { writeRecords } from "../../pipeline/record_stream.ts";
import { sasImages, trainTiny } from "../fixtures/sas_images.ts";
import {
  type SlurmCluster,
  slurmUnavailable,
  startSlurmCluster,
  waitForJobs,
} from "../fixtures/slurm_cluster.ts";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;
const why = slurmUnavailable();
if (why) console.warn(`slurm_cluster_test: skipped: ${why}`);

/** Runs a task in folder `cwd` (relative paths in its flags are relative to it). */
async function task(cwd: string, env: Record<string, string>, name: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${TASKS}${name}.ts`, ...args],
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  assert.equal(out.code, 0, `${name}: ${text(out.stderr)}`);
  return text(out.stdout);
}

/** Job ids in `deno task slurm`'s output, array first. */
function jobIds(stdout: string): string[] {
  return [...stdout.matchAll(/submitted \w+ job (\d+)/g)].map((m) => m[1]);
}

const GENERATE = ["--n", "36", "--size", "16", "--chunk", "4", "--models", "sphere,guinier"];

Deno.test({
  name: "slurm arrays of generate (4 tasks) and evaluate (2 tasks) merge to the one-process files" +
    (why ? ` (skipped: ${why})` : ""),
  ignore: why !== undefined,
  async fn() {
    let cluster: SlurmCluster | undefined;
    const dir = await Deno.makeTempDir({ prefix: "sasquash-slurm-test-" });
    try {
      const images = sasImages(40, 8, 21);
      await trainTiny(images, `${dir}/model`, 4);
      const labels = Array.from({ length: 40 }, (_, i) => ({ index: i, model: `m${i % 3}` }));
      await writeRecords(`${dir}/test.ndjson`, { ...makeHeader([8, 8]), n: 40 }, [
        makeChunk([8, 8], images, labels),
      ]);
      cluster = await startSlurmCluster();
      const env = cluster.env;
      // relative paths: the jobs run in the folder sbatch was called from
      const evaluate = ["--model", "model", "--data", "test.ndjson", "--batch", "8"];
      const submitted = [
        await task(
          dir,
          env,
          "slurm",
          "generate",
          ...GENERATE,
          "--workers",
          "0",
          "--cpus",
          "1",
          "--out",
          `${dir}/g.ndjson`,
          "--array",
          "4",
        ),
        await task(
          dir,
          env,
          "slurm",
          "evaluate",
          ...evaluate,
          "--cpus",
          "1",
          "--out",
          "report",
          "--array",
          "2",
        ),
      ];
      const jobs = submitted.flatMap(jobIds);
      assert.equal(jobs.length, 4, submitted.join("\n"));
      // the one-process references, while the cluster works
      await task(
        dir,
        {},
        "generate",
        ...GENERATE,
        "--workers",
        "0",
        "--quiet",
        "--out",
        `${dir}/one.ndjson`,
      );
      await task(dir, {}, "evaluate", ...evaluate, "--quiet", "--out", "one");
      const states = await waitForJobs(cluster, jobs, 120);
      assert.deepEqual(states, [
        "COMPLETED,COMPLETED,COMPLETED,COMPLETED",
        "COMPLETED",
        "COMPLETED,COMPLETED",
        "COMPLETED",
      ]);
      const read = (p: string) => Deno.readTextFile(`${dir}/${p}`);
      assert.equal(await read("g.ndjson"), await read("one.ndjson"));
      // header, 9 chunk lines, the trailer, and the empty string after the last newline
      assert.equal((await read("one.ndjson")).split("\n").length, 1 + 9 + 1 + 1);
      for (const f of ["images.ndjson", "summary.json", "index.html", "error_pdf.svg"]) {
        assert.equal(await read(`report/${f}`), await read(`one/${f}`), f);
      }
      const parts = [...Deno.readDirSync(`${dir}/g.ndjson.slurm/shards`)].map((e) => e.name);
      assert.deepEqual(parts.sort(), [1, 2, 3, 4].map((k) => `part-${k}.ndjson`));
    } finally {
      await cluster?.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
