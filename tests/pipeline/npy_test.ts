import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { encodeNpy, parseNpy } from "../../pipeline/npy.ts";

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
