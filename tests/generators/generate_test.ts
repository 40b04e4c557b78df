import assert from "node:assert/strict";
import { readAllRecords } from "../../pipeline/record_stream.ts";
import { shardRange } from "../../generators/host/generation_plan.ts";
import { joinShardFiles } from "../../pipeline/join_shards.ts";
import { task } from "../fixtures/run_task.ts";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;
const PLUGINS = new URL("../fixtures/plugins/", import.meta.url).pathname;
const MODELS = "sphere,lorentz,guinier,lamellar,power_law";

async function generate(out: string, ...args: string[]) {
  const r = await task("generate", "--out", out, "--models", MODELS, "--chunk", "4", ...args);
  assert.equal(r.code, 0, r.stderr);
}

const dir = await Deno.makeTempDir();
const text = (p: string) => Deno.readTextFile(p);

Deno.test("generation is byte-identical for 0 or 2 workers and for any sharding", async () => {
  await generate(`${dir}/one.ndjson`, "--n", "22", "--seed", "5", "--workers", "0");
  await generate(`${dir}/two.ndjson`, "--n", "22", "--seed", "5", "--workers", "2");
  const one = await text(`${dir}/one.ndjson`);
  assert.equal(await text(`${dir}/two.ndjson`), one);
  const parts: string[][] = [];
  for (const k of [1, 2, 3]) {
    await generate(
      `${dir}/s${k}.ndjson`,
      "--n",
      "22",
      "--seed",
      "5",
      "--workers",
      "1",
      "--shard",
      `${k}/3`,
    );
    parts.push((await text(`${dir}/s${k}.ndjson`)).split("\n"));
  }
  // every shard carries the run's header; merging the shards gives the one-run file
  assert.ok(parts.every((p) => p[0] === parts[0][0]));
  const shards = [1, 2, 3].map((k) => `${dir}/s${k}.ndjson`);
  await joinShardFiles(shards, `${dir}/joined.ndjson`);
  assert.equal(await text(`${dir}/joined.ndjson`), one);
  // deno task merge takes the parts in any order and writes the one-run file through the writer
  const merged = await task(
    "merge",
    "--out",
    `${dir}/merged.ndjson`,
    ...[3, 1, 2].map((k) => `${dir}/s${k}.ndjson`),
  );
  assert.equal(merged.code, 0, merged.stderr);
  assert.equal(await text(`${dir}/merged.ndjson`), one);
  const missing = await task(
    "merge",
    "--out",
    `${dir}/bad.ndjson`,
    `${dir}/s1.ndjson`,
    `${dir}/s3.ndjson`,
  );
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^merge: error: .*s3\.ndjson: image index \d+ where 8 was expected$/,
  );
  await assert.rejects(Deno.stat(`${dir}/bad.ndjson`));
  await assert.rejects(Deno.stat(`${dir}/bad.ndjson.partial`));
  const { header, chunks } = await readAllRecords(`${dir}/one.ndjson`);
  assert.equal(header.seed, 5);
  assert.deepEqual(chunks.map((c) => c.count), [4, 4, 4, 4, 4, 2]);
  assert.deepEqual(
    chunks.flatMap((c) => c.labels.map((l) => l.model)).slice(0, 6),
    ["sphere", "lorentz", "guinier", "lamellar", "power_law", "sphere"],
  );
});

Deno.test("shard ranges are chunk-aligned and cover every image exactly once", () => {
  for (const [n, c, N] of [[22, 4, 3], [1000, 64, 7], [5, 64, 4], [64, 64, 1]]) {
    const ranges = Array.from({ length: N }, (_, k) => shardRange(n, c, k, N));
    assert.equal(ranges[0][0], 0);
    assert.equal(ranges.at(-1)![1], n);
    for (let k = 1; k < N; k++) {
      assert.equal(ranges[k][0], ranges[k - 1][1]);
      assert.ok(ranges[k][0] % c === 0 || ranges[k][0] === n);
    }
  }
});

Deno.test("each image is reproduced by render from its recorded model and params", async () => {
  const { chunks } = await readAllRecords(`${dir}/one.ndjson`);
  const label = chunks[1].labels[2]; // image 6: guinier
  assert.equal(label.index, 6);
  const r = await task(
    "render",
    "--model",
    label.model!,
    "--params",
    JSON.stringify(label.params),
    "--out",
    `${dir}/r.ndjson`,
  );
  assert.equal(r.code, 0, r.stderr);
  const back = await readAllRecords(`${dir}/r.ndjson`);
  assert.deepEqual(
    Array.from(back.chunks[0].data),
    Array.from(chunks[1].data.subarray(2 * 4096, 3 * 4096)),
  );
  const other = await readAllRecords(`${dir}/one.ndjson`);
  assert.notDeepEqual(other.chunks[1].labels[2].seed, other.chunks[4].labels[2].seed);
});

Deno.test("an interrupted run resumes to exactly the uninterrupted output", async () => {
  // One image per line and a model that takes tens of milliseconds an image, so the child is
  // still working when it is killed after its first few lines (sphere finished 60 images between
  // two polls on a CI machine).
  const args = [
    ...["--n", "20", "--seed", "9", "--models", "core_shell_cylinder"],
    ...["--workers", "1", "--chunk", "1"],
  ];
  await generate(`${dir}/full.ndjson`, ...args);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${TASKS}generate.ts`, "--quiet", "--out", `${dir}/cut.ndjson`, ...args],
    stderr: "null",
  }).spawn();
  let lines = 0;
  for (let t = 0; t < 6000 && lines < 4; t++) {
    await new Promise((r) => setTimeout(r, 5));
    lines = (await text(`${dir}/cut.ndjson.partial`).catch(() => "")).split("\n").length - 1;
  }
  try {
    child.kill("SIGKILL");
  } catch {
    assert.fail(`the child finished before it could be interrupted (saw ${lines} lines)`);
  }
  await child.status;
  assert.ok(lines >= 4 && lines < 21, `killed after ${lines} lines`);
  await assert.rejects(Deno.stat(`${dir}/cut.ndjson`));
  const r = await task("generate", "--out", `${dir}/cut.ndjson`, "--resume", ...args);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await text(`${dir}/cut.ndjson`), await text(`${dir}/full.ndjson`));
});

Deno.test("a user's plugin model generates images that follow its formula", async () => {
  const plugin = `${PLUGINS}my_guinier_porod.py`;
  await generate(
    `${dir}/p.ndjson`,
    "--n",
    "3",
    "--workers",
    "1",
    "--plugin",
    plugin,
    "--models",
    "my_guinier_porod",
  );
  const { chunks } = await readAllRecords(`${dir}/p.ndjson`);
  const { params } = chunks[0].labels[1] as { params: Record<string, number> };
  const q = Math.hypot(-0.3 + 7 * 0.6 / 63, -0.3 + 30 * 0.6 / 63);
  const q1 = Math.sqrt(6) / params.rg;
  const iq = q < q1
    ? params.g0 * Math.exp(-q * q * params.rg ** 2 / 3)
    : params.g0 * Math.exp(-2) * (q1 / q) ** 4;
  const want = params.scale * iq + params.background;
  assert.ok(Math.abs(chunks[0].data[4096 + 30 * 64 + 7] - want) <= 1e-6 * want);
});

Deno.test("bad inputs fail with one clear line and exit 1", async () => {
  const cases: [string[], RegExp][] = [
    [["generate", "--models", "sphere,cylindr", "--n", "2"], /unknown model "cylindr"/],
    [["generate", "--shard", "0/3"], /--shard must be k\/N with 1 ≤ k ≤ N/],
    [["generate", "--n", "-5"], /--n must be ≥ 1/],
    [
      ["render", "--model", "sphere", "--params", '{"radius": -3}'],
      /sphere: radius=-3(\.0)? is outside its limits \[0, inf\]/,
    ],
    [[
      "render",
      "--model",
      "sphere",
      "--params",
      '{"radius_pd_type": "lognormal", "radius_pd": 0.1, "radius_pd_n": 5}',
    ], /radius_pd_type/],
    [["render", "--model", "nope"], /unknown model 'nope'/],
    [
      ["generate", "--n", "1", "--plugin", `${PLUGINS}uses_numpy.py`],
      /uses_numpy\.py.*numpy.*math/,
    ],
    [["generate", "--n", "1", "--plugin", `${PLUGINS}bad_table.py`], /bad_table\.py.*parameters/],
    [["generate", "--n", "1", "--plugin", `${PLUGINS}syntax_error.py`], /syntax_error\.py:\d+/],
  ];
  for (const [[name, ...args], message] of cases) {
    const r = await task(name, "--out", `${dir}/bad.ndjson`, ...args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.split("\n").length, 1, r.stderr);
  }
  await assert.rejects(Deno.stat(`${dir}/bad.ndjson`));
});

Deno.test("Poisson noise gives whole counts at the requested flux, reproducibly", async () => {
  const args = [
    "--n",
    "2",
    "--models",
    "lorentz",
    "--workers",
    "0",
    "--noise",
    "poisson",
    "--flux",
    "50",
  ];
  await generate(`${dir}/n1.ndjson`, ...args);
  await generate(`${dir}/n2.ndjson`, ...args);
  assert.equal(await text(`${dir}/n1.ndjson`), await text(`${dir}/n2.ndjson`));
  await generate(`${dir}/clean.ndjson`, "--n", "2", "--models", "lorentz", "--workers", "0");
  const noisy = (await readAllRecords(`${dir}/n1.ndjson`)).chunks[0].data.subarray(0, 4096);
  const clean = (await readAllRecords(`${dir}/clean.ndjson`)).chunks[0].data.subarray(0, 4096);
  const perCount = Math.max(...clean) / 50;
  let total = 0, expected = 0;
  for (let i = 0; i < 4096; i++) {
    const counts = noisy[i] / perCount;
    assert.ok(Math.abs(counts - Math.round(counts)) < 1e-3, `pixel ${i}: ${counts} counts`);
    total += Math.round(counts);
    expected += clean[i] / perCount;
  }
  assert.ok(Math.abs(total - expected) < 5 * Math.sqrt(expected), `${total} vs ${expected}`);
});

Deno.test("resume refuses another shard's partial, a finished file of other flags, and a plugin named like a built-in", async () => {
  const args = ["--n", "8", "--chunk", "4", "--seed", "5", "--workers", "0", "--models", "sphere"];
  await generate(`${dir}/sh1.ndjson`, ...args, "--shard", "1/2");
  await Deno.rename(`${dir}/sh1.ndjson`, `${dir}/sh2.ndjson.partial`);
  const shard = await task(
    "generate",
    "--out",
    `${dir}/sh2.ndjson`,
    ...args,
    "--shard",
    "2/2",
    "--resume",
  );
  assert.equal(shard.code, 1, shard.stderr);
  assert.match(
    shard.stderr,
    /sh2\.ndjson\.partial: cannot resume: it holds items from 0, this run starts at 4/,
  );
  await generate(`${dir}/done.ndjson`, ...args);
  const seed = await task(
    "generate",
    "--out",
    `${dir}/done.ndjson`,
    ...args,
    "--seed",
    "6",
    "--resume",
  );
  assert.equal(seed.code, 1, seed.stderr);
  assert.match(
    seed.stderr,
    /--resume: .*done\.ndjson is complete but was written with other settings/,
  );
  const source = await Deno.readTextFile(`${PLUGINS}my_guinier_porod.py`);
  await Deno.writeTextFile(`${dir}/sphere.py`, source.replace(/^name = .*$/m, 'name = "sphere"'));
  const plugin = await task(
    "generate",
    "--out",
    `${dir}/pl.ndjson`,
    "--n",
    "1",
    "--plugin",
    `${dir}/sphere.py`,
  );
  assert.equal(plugin.code, 1, plugin.stderr);
  assert.match(plugin.stderr, /--plugin: sphere\.py is named "sphere", a built-in model/);
  assert.equal(plugin.stderr.split("\n").length, 1, plugin.stderr);
});

Deno.test("a plugin whose Iq never returns stops generation after --image-timeout, naming it", async () => {
  // --workers 0 too: a plugin always runs in a worker, where the timeout can stop it
  for (const workers of ["1", "0"]) {
    const r = await task(
      "generate",
      ...["--out", `${dir}/loop.ndjson`, "--n", "2", "--workers", workers, "--image-timeout", "3"],
      ...["--plugin", `${PLUGINS}never_returns.py`, "--models", "never_returns"],
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr.trim(),
      'generate: error: model "never_returns": image 0 took over 3 s (does its Iq ever return?); ' +
        "raise --image-timeout if it is only slow",
    );
  }
  const load = await task(
    "generate",
    ...["--out", `${dir}/loop.ndjson`, "--n", "2", "--image-timeout", "3"],
    ...["--plugin", `${PLUGINS}never_loads.py`, "--models", "never_loads"],
  );
  assert.equal(load.code, 1, load.stderr);
  assert.equal(
    load.stderr.trim(),
    "generate: error: --plugin: never_loads.py: loading it (and one call of its kernels) took " +
      "over 3 s; does its Iq ever return?",
  );
});
