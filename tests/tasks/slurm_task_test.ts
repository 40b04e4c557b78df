import assert from "node:assert/strict";
import { checkSlurmTime, parseJobId, shellQuote, slurmScripts } from "../../tasks/_sbatch.ts";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;

async function slurm(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${TASKS}slurm.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const plan = {
  args: ["--n", "40", "--models", "sphere,guinier"],
  array: 4,
  cpus: 2,
  dir: "/w/run.slurm",
  repo: "/src/sasquash",
  deno: "/bin/deno",
};

Deno.test("slurmScripts() maps the array task id to --shard k/N and merges every part in order", () => {
  const s = slurmScripts({
    ...plan,
    stage: "generate",
    out: "/w/train.ndjson.gz",
    time: "1:00:00",
  });
  assert.match(
    s.array,
    /^#!\/bin\/bash\n#SBATCH --job-name=sasquash-generate\n#SBATCH --array=1-4\n/,
  );
  assert.match(s.array, /#SBATCH --time=1:00:00\n/);
  assert.ok(!s.array.includes("--partition"));
  // no cd: the job runs where sbatch ran, so the stage's relative paths keep their meaning
  assert.ok(!/\ncd /.test(s.array) && !/\ncd /.test(s.merge!));
  assert.ok(
    s.array.endsWith(
      "/bin/deno run -A --config=/src/sasquash/deno.json /src/sasquash/tasks/generate.ts --quiet --n 40 --models sphere,guinier " +
        `--shard "$SLURM_ARRAY_TASK_ID/4" --out "/w/run.slurm/shards/part-\${SLURM_ARRAY_TASK_ID}.ndjson.gz"\n`,
    ),
    s.array,
  );
  const parts = [1, 2, 3, 4].map((k) => `/w/run.slurm/shards/part-${k}.ndjson.gz`).join(" ");
  assert.ok(
    s.merge!.endsWith(`/src/sasquash/tasks/merge.ts --quiet --out /w/train.ndjson.gz ${parts}\n`),
  );
  assert.ok(!s.merge!.includes("--array"));
  assert.match(s.merge!, /\n#SBATCH --kill-on-invalid-dep=yes\n/);
});

Deno.test("slurmScripts() evaluates into shard folders, compresses without a merge, trains on one GPU", () => {
  const e = slurmScripts({ ...plan, stage: "evaluate", out: "/w/report", partition: "cpu" });
  assert.match(e.array, /#SBATCH --partition=cpu\n/);
  assert.match(e.array, /--out "\/w\/run\.slurm\/shards\/\$\{SLURM_ARRAY_TASK_ID\}"\n$/);
  assert.match(
    e.merge!,
    /--out \/w\/report \/w\/run\.slurm\/shards\/1 .* \/w\/run\.slurm\/shards\/4\n$/,
  );
  const c = slurmScripts({ ...plan, stage: "compress", out: "/w/sqz" });
  assert.equal(c.merge, undefined);
  assert.match(c.array, /--shard "\$SLURM_ARRAY_TASK_ID\/4" --out "\/w\/sqz"\n$/);
  const t = slurmScripts({
    ...plan,
    stage: "train",
    args: ["--backend", "tensorflow"],
    out: "/w/m",
  });
  assert.match(t.array, /#SBATCH --gres=gpu:1\n/);
  assert.ok(!t.array.includes("--array") && t.merge === undefined);
  assert.ok(
    t.array.endsWith("/src/sasquash/tasks/train.ts --quiet --backend tensorflow --out /w/m\n"),
  );
});

Deno.test("shellQuote(), checkSlurmTime() and parseJobId() take and refuse what Slurm does", () => {
  assert.equal(shellQuote("a/b.ndjson"), "a/b.ndjson");
  assert.equal(shellQuote("night/*.h5"), "'night/*.h5'");
  assert.equal(shellQuote("it's"), `'it'"'"'s'`);
  for (const t of ["30", "2:00:00", "1-12", "1-12:00:00"]) assert.equal(checkSlurmTime(t), t);
  assert.throws(() => checkSlurmTime("1h"), /--time must be a Slurm time .* got "1h"/);
  assert.equal(parseJobId("1234;cluster\n"), "1234");
  assert.throws(() => parseJobId("error"), /not a job id/);
});

Deno.test("deno task slurm --dry-run prints both scripts and submits nothing", async () => {
  const dir = await Deno.makeTempDir();
  const r = await slurm(
    "generate",
    "--n",
    "40",
    "--out",
    `${dir}/g.ndjson`,
    "--array",
    "3",
    "--dry-run",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    r.stdout.startsWith(`# ${dir}/g.ndjson.slurm/generate.sbatch\n#!/bin/bash\n`),
    r.stdout,
  );
  assert.match(r.stdout, /--workers 2 --shard "\$SLURM_ARRAY_TASK_ID\/3"/);
  assert.match(r.stdout, /# .*merge\.sbatch \(after the array succeeds\)\n#!\/bin\/bash\n/);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir);
});

Deno.test("deno task slurm refuses a bad stage, --shard and a missing --out in one line", async () => {
  for (
    const [args, message] of [
      [["fit", "--out", "x"], /^slurm: error: the first argument is the stage: generate, /],
      [["generate", "--out", "x", "--shard", "1/2"], /--shard is set by the job array/],
      [["evaluate", "--model", "m", "--dry-run"], /--out is required \(the evaluate output\)$/],
      [["generate", "--out", "x", "--array", "0"], /--array must be ≥ 1, got 0$/],
    ] as const
  ) {
    const r = await slurm(...args);
    assert.equal(r.code, 1, args.join(" "));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.split("\n").length, 1);
  }
});
