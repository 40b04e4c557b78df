import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { writeRecords } from "../../pipeline/record_stream.ts";
import { sasImages } from "../fixtures/sas_images.ts";

async function trainTask(...args: string[]) {
  return await trainTaskWith({}, ...args);
}

async function trainTaskWith(env: Record<string, string>, ...args: string[]) {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../tasks/train.ts", import.meta.url).pathname, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: run.code, stderr: new TextDecoder().decode(run.stderr) };
}

async function stream(dir: string, name: string, data: Float32Array | Uint8Array, shape: number[]) {
  const path = `${dir}/${name}`;
  const count = data.length / shape.reduce((p, d) => p * d, 1);
  const labels = Array.from({ length: count }, (_, index) => ({ index }));
  await writeRecords(
    path,
    makeHeader(shape, { seed: 77 }, data instanceof Uint8Array ? "uint8" : "float32"),
    [
      makeChunk(shape, data, labels),
    ],
  );
  return path;
}

Deno.test("deno task train trains from a .ndjson.gz stream and writes log, model and metadata", async () => {
  const dir = await Deno.makeTempDir();
  const data = await stream(dir, "train.ndjson.gz", sasImages(96, 8, 4), [8, 8]);
  const result = await trainTask(
    "--data",
    data,
    "--out",
    `${dir}/run`,
    "--arch",
    "1,2",
    "--epochs",
    "2",
    "--batch",
    "16",
    "--lambda",
    "0.01",
    "--quiet",
  );
  assert.equal(result.code, 0, result.stderr);
  for (
    const file of [
      "model.json",
      "weights.bin",
      "sasquash.json",
      "log.ndjson",
      "checkpoint.bin",
      "gap_model.json",
    ]
  ) {
    assert.ok((await Deno.stat(`${dir}/run/${file}`)).size > 0, file);
  }
  const meta = JSON.parse(await Deno.readTextFile(`${dir}/run/sasquash.json`));
  assert.deepEqual(meta.image_shape, [8, 8]);
  assert.match(meta.data.header_sha256, /^[0-9a-f]{64}$/);
  assert.equal(meta.data.seed, 77, "the training stream's seed, for a disjoint evaluation seed");
  const gaps = JSON.parse(await Deno.readTextFile(`${dir}/run/gap_model.json`));
  assert.equal(gaps.kind, "learned");
  assert.equal(gaps.freqs.length, gaps.maxGap + 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--gaps-only relearns gap_model.json of an existing run, identically", async () => {
  const dir = await Deno.makeTempDir();
  const data = await stream(dir, "train.ndjson", sasImages(48, 8, 4), [8, 8]);
  const run = `${dir}/run`;
  const common = ["--data", data, "--out", run, "--quiet"];
  assert.equal((await trainTask(...common, "--epochs", "1", "--batch", "16")).code, 0);
  const learned = await Deno.readTextFile(`${run}/gap_model.json`);
  await Deno.remove(`${run}/gap_model.json`);
  const weights = await Deno.readFile(`${run}/weights.bin`);
  const again = await trainTask(...common, "--gaps-only");
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await Deno.readTextFile(`${run}/gap_model.json`), learned);
  assert.deepEqual(await Deno.readFile(`${run}/weights.bin`), weights, "no training happened");
  const other = await stream(dir, "other.ndjson", sasImages(8, 4, 4), [4, 4]);
  const wrong = await trainTask("--data", other, "--out", run, "--gaps-only", "--quiet");
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /--data has images of \[4,4\], the model in .* expects \[8,8\]/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the learning rate defaults to the preset's (hourglass 3e-4) and --lr overrides it", async () => {
  const dir = await Deno.makeTempDir();
  const data = await stream(dir, "train.ndjson", sasImages(32, 8, 4), [8, 8]);
  const rate = async (...args: string[]) => {
    const run = `${dir}/run${args.join("")}`;
    const common = ["--data", data, "--out", run, "--epochs", "1", "--batch", "16", "--quiet"];
    const result = await trainTask(...common, ...args);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(await Deno.readTextFile(`${run}/sasquash.json`)).training.learning_rate;
  };
  assert.equal(await rate("--preset", "hourglass"), 3e-4);
  assert.equal(await rate("--preset", "hourglass", "--lr", "0.002"), 0.002);
  assert.equal(await rate("--arch", "1,2"), 1e-3);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task train rejects a wrong dtype or a missing file in one line, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  const bytes = await stream(dir, "bytes.ndjson", new Uint8Array(4 * 64), [8, 8]);
  const wrong = await trainTask("--data", bytes, "--out", `${dir}/run`);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /bytes\.ndjson: header dtype is uint8/);
  const flat = await stream(dir, "flat.ndjson", sasImages(2, 8), [64]);
  assert.match(
    (await trainTask("--data", flat, "--out", `${dir}/run`)).stderr,
    /not a 2-D image shape/,
  );
  const missing = await trainTask("--data", `${dir}/none.ndjson`, "--out", `${dir}/run`);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /none\.ndjson: no such file/);
  assert.ok(!missing.stderr.includes("    at "), "no stack trace");
  const both = await trainTask(
    "--data",
    flat,
    "--out",
    `${dir}/run`,
    "--target-nnz",
    "20",
    "--target-error",
    "0.1",
  );
  assert.equal(both.code, 1);
  assert.match(both.stderr, /--target-nnz.*--target-error|--target-error.*--target-nnz/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("without libopenblas, training says once that it runs on the portable kernels, and why", async () => {
  const dir = await Deno.makeTempDir();
  const data = await stream(dir, "train.ndjson", sasImages(48, 8, 6), [8, 8]);
  const args = ["--data", data, "--arch", "1,2", "--epochs", "1", "--batch", "16", "--quiet"];
  const missing = "/nonexistent/libopenblas.so";
  const result = await trainTaskWith(
    { SASQUASH_OPENBLAS: missing, SASQUASH_KERNELS: "" },
    ...args,
    "--out",
    `${dir}/run`,
  );
  assert.equal(result.code, 0, result.stderr);
  const line =
    /portable WebAssembly SIMD kernels \(OpenBLAS not found: \/nonexistent\/libopenblas/g;
  assert.equal(result.stderr.match(line)?.length, 1, result.stderr);
  assert.ok((await Deno.stat(`${dir}/run/model.json`)).isFile);
  const stock = await trainTaskWith(
    { SASQUASH_OPENBLAS: missing, SASQUASH_KERNELS: "stock" },
    ...args,
    "--out",
    `${dir}/stock`,
  );
  assert.equal(stock.code, 0, stock.stderr);
  assert.match(stock.stderr, /stock tfjs kernels \(SASQUASH_KERNELS=stock\)/);
  await Deno.remove(dir, { recursive: true });
});
