import assert from "node:assert/strict";
import { FormatError, UsageError } from "../../pipeline/errors.ts";
import { encodeNpy, parseNpy } from "../../pipeline/npy.ts";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { readRecords, RecordFileWriter, writeRecords } from "../../pipeline/record_stream.ts";

const TASK = new URL("../../tasks/convert.ts", import.meta.url).pathname;

async function convert(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TASK, "--quiet", ...args],
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("npy header written by encodeNpy is the one numpy writes, and parses back", () => {
  const data = new Float32Array([1.5, -2, 3, 4, 5, 6]);
  const bytes = encodeNpy({ shape: [2, 3], dtype: "float32", data });
  const text = new TextDecoder().decode(
    bytes.subarray(10, 10 + new DataView(bytes.buffer).getUint16(8, true)),
  );
  assert.equal(text.trimEnd(), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  assert.equal((bytes.length - data.byteLength) % 64, 0);
  const back = parseNpy(bytes);
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(Array.from(back.data), [1.5, -2, 3, 4, 5, 6]);
});

Deno.test("npy: bad magic, unsupported dtype, Fortran order and truncation are FormatErrors", () => {
  const good = encodeNpy({ shape: [4], dtype: "float64", data: new Float64Array(4) });
  const patch = (from: string, to: string) => {
    const s = String.fromCharCode(...good).replace(from, to);
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  };
  assert.throws(() => parseNpy(new Uint8Array(20), "x.npy"), /x\.npy: not a \.npy file/);
  assert.throws(() => parseNpy(patch("<f8", ">f8"), "x.npy"), /dtype '>f8' not supported/);
  assert.throws(() => parseNpy(patch("False", "True "), "x.npy"), /Fortran-order/);
  assert.throws(
    () => parseNpy(good.subarray(0, good.length - 1), "x.npy"),
    (e: Error) => e instanceof FormatError && /truncated data/.test(e.message),
  );
});

Deno.test("convert task: npy → ndjson.gz → npy is byte-identical; bad flags exit 1 with one line", async () => {
  const dir = await Deno.makeTempDir();
  const data = new Float32Array(3 * 4 * 5).map((_, i) => Math.sin(i) * 1e3);
  await Deno.writeFile(`${dir}/a.npy`, encodeNpy({ shape: [3, 4, 5], dtype: "float32", data }));
  assert.equal((await convert("--in", `${dir}/a.npy`, "--out", `${dir}/a.ndjson.gz`)).code, 0);
  assert.equal((await convert("--in", `${dir}/a.ndjson.gz`, "--out", `${dir}/b.npy`)).code, 0);
  assert.deepEqual(await Deno.readFile(`${dir}/b.npy`), await Deno.readFile(`${dir}/a.npy`));
  const bad = await convert("--in", `${dir}/a.npy`, "--out", `${dir}/c.npy`);
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stderr.trim(),
    "convert: error: one of --in/--out must be .npy and the other .ndjson[.gz]",
  );
});

Deno.test("'-' streams through stdout and stdin: render | convert --in - gives the image", async () => {
  const dir = await Deno.makeTempDir();
  const render = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../tasks/render.ts", import.meta.url).pathname,
      "--model",
      "lorentz",
      "--size",
      "8",
      "--out",
      "-",
    ],
    stdout: "piped",
  }).spawn();
  const convert = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TASK, "--quiet", "--in", "-", "--out", `${dir}/l.npy`],
    stdin: "piped",
  }).spawn();
  await render.stdout.pipeTo(convert.stdin);
  assert.equal((await render.status).code, 0);
  assert.equal((await convert.status).code, 0);
  const arr = parseNpy(await Deno.readFile(`${dir}/l.npy`));
  assert.deepEqual(arr.shape, [1, 8, 8]);
  // lorentz defaults: I = scale/(1 + (q·ξ)²) + background with scale 1, ξ = 50 Å, background 0.001
  const q = Math.hypot(-0.3, -0.3);
  assert.ok(Math.abs(arr.data[0] - (1 / (1 + (q * 50) ** 2) + 0.001)) < 1e-6 * arr.data[0]);
});

Deno.test("npy: a negative shape, trailing bytes and a prototype dtype are FormatErrors", () => {
  const good = encodeNpy({ shape: [2, 2], dtype: "float32", data: new Float32Array(4) });
  const patch = (from: string, to: string) => {
    const s = String.fromCharCode(...good).replace(from, to);
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  };
  assert.throws(
    () => parseNpy(patch("(2, 2)", "(-1,2)"), "x.npy"),
    (e: Error) =>
      e instanceof FormatError &&
      e.message === "x.npy: shape (-1,2) must hold non-negative integers",
  );
  const longer = new Uint8Array(good.length + 3);
  longer.set(good);
  assert.throws(
    () => parseNpy(longer, "x.npy"),
    (e: Error) =>
      e instanceof FormatError &&
      e.message === "x.npy: trailing bytes: shape (2,2) needs 16 bytes, file has 19",
  );
  assert.throws(
    () => parseNpy(patch("<f4", "toString"), "x.npy"),
    /dtype 'toString' not supported/,
  );
});

Deno.test("npy: a version-2 file cut inside its header length is a FormatError (fuzzer finding)", () => {
  const cut = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 16, 0);
  assert.throws(() => parseNpy(cut, "x.npy"), /x\.npy: truncated \.npy header/);
  const future = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 9, 0, 16, 0, 0, 0);
  assert.throws(() => parseNpy(future, "x.npy"), /x\.npy: \.npy version 9 not supported/);
});

Deno.test("readRecords reads a .npy as its images, 256 to a chunk, labels {index}", async () => {
  const dir = await Deno.makeTempDir();
  const data = new Float64Array(300 * 2 * 3).map((_, i) => i * 0.5 - 7);
  await Deno.writeFile(`${dir}/a.npy`, encodeNpy({ shape: [300, 2, 3], dtype: "float64", data }));
  const { header, chunks, extent } = await readRecords(`${dir}/a.npy`);
  assert.deepEqual([header.shape, header.dtype, header.n], [[2, 3], "float64", 300]);
  assert.deepEqual(header.source, { npy: `${dir}/a.npy` });
  const got = await Array.fromAsync(chunks);
  assert.deepEqual(got.map((c) => c.count), [256, 44]);
  assert.deepEqual(got[1].labels[43], { index: 299 });
  assert.deepEqual(got[1].data[43 * 6 + 5], (300 * 6 - 1) * 0.5 - 7);
  assert.deepEqual(Float64Array.from(got.flatMap((c) => Array.from(c.data))), data);
  assert.equal(extent.items, 300);
  // a cut file and a single image without its image axis are errors naming the file
  const bytes = await Deno.readFile(`${dir}/a.npy`);
  await Deno.writeFile(`${dir}/cut.npy`, bytes.subarray(0, bytes.length - 8));
  await assert.rejects(
    readRecords(`${dir}/cut.npy`),
    (e: Error) =>
      e instanceof FormatError &&
      e.message === `${dir}/cut.npy: truncated data: shape (300,2,3) needs 14400 bytes, ` +
          `file has 14392`,
  );
  await Deno.writeFile(
    `${dir}/flat.npy`,
    encodeNpy({ shape: [4], dtype: "float32", data: new Float32Array(4) }),
  );
  await assert.rejects(
    readRecords(`${dir}/flat.npy`),
    (e: Error) =>
      e instanceof FormatError &&
      e.message === `${dir}/flat.npy: need shape (N, …) with N images, got (4)`,
  );
  await assert.rejects(readRecords(`${dir}/none.npy`), /none\.npy: no such file/);
  // a version-2 file (a 4-byte header length, as numpy writes for very long headers)
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2), }".padEnd(115) + "\n";
  const v2 = new Uint8Array(12 + dict.length + 16);
  v2.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(v2.buffer).setUint32(8, dict.length, true);
  v2.set(new TextEncoder().encode(dict), 12);
  v2.set(new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer), 12 + dict.length);
  await Deno.writeFile(`${dir}/v2.npy`, v2);
  const two = await readRecords(`${dir}/v2.npy`);
  const [only] = await Array.fromAsync(two.chunks);
  assert.deepEqual([two.header.shape, only.count, Array.from(only.data)], [[1, 2], 2, [
    1,
    2,
    3,
    4,
  ]]);
});

Deno.test("writeRecords to .npy: numpy's header for the final count, labels beside it, nothing half-written", async () => {
  const dir = await Deno.makeTempDir();
  const shape = [2, 2];
  const chunk = (first: number, count: number, extra = false) =>
    makeChunk(
      shape,
      new Float32Array(count * 4).map((_, i) => first * 4 + i),
      Array.from({ length: count }, (_, i) => ({ index: first + i, ...(extra ? { m: "x" } : {}) })),
    );
  await writeRecords(`${dir}/w.npy`, makeHeader(shape), [chunk(0, 3), chunk(3, 2)]);
  const bytes = await Deno.readFile(`${dir}/w.npy`);
  const back = parseNpy(bytes, "w.npy");
  assert.deepEqual(back.shape, [5, 2, 2]);
  assert.deepEqual(Array.from(back.data), Array.from({ length: 20 }, (_, i) => i));
  const headerLength = new DataView(bytes.buffer).getUint16(8, true);
  assert.equal((10 + headerLength) % 64, 0);
  assert.match(
    new TextDecoder().decode(bytes.subarray(10, 10 + headerLength)),
    /'shape': \(5, 2, 2\), \} +\n$/,
  );
  await assert.rejects(Deno.stat(`${dir}/w.labels.json`), Deno.errors.NotFound);
  // labels that say more than the index are kept beside the array
  await writeRecords(`${dir}/l.npy`, makeHeader(shape), [chunk(0, 2, true)]);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/l.labels.json`)), [
    { index: 0, m: "x" },
    { index: 1, m: "x" },
  ]);
  // a stream that fails half-way leaves neither the array nor its temporary file
  const failing = async function* () {
    yield chunk(0, 1);
    throw new FormatError("source broke");
  };
  await assert.rejects(writeRecords(`${dir}/f.npy`, makeHeader(shape), failing()), /source broke/);
  assert.deepEqual(Array.from(Deno.readDirSync(dir), (e) => e.name).sort(), [
    "l.labels.json",
    "l.npy",
    "w.npy",
  ]);
  // a journaled writer (generate) cannot write .npy as it goes: a UsageError, not an ndjson file
  await assert.rejects(
    RecordFileWriter.open(`${dir}/g.npy`, makeHeader(shape)),
    (e: Error) =>
      e instanceof UsageError && /g\.npy as it goes: \.npy holds whole arrays/.test(e.message),
  );
});
