import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { readMeasurement, writeMeasurement } from "../../pipeline/measurement_file.ts";
import { parseQxQyTable } from "../../pipeline/qxqy_ascii.ts";
import { h5pyDump, pythonWithH5py } from "../fixtures/h5py_dump.ts";

const REAL = new URL("../../../shared/real/", import.meta.url).pathname;
const H5 = `${REAL}33837rear_2D_1.75_16.5_NXcanSAS_v3.h5`;
const NIST = `${REAL}33837rear_2D_1.75_16.5_NIST.dat`;
const P123 = `${REAL}P123_D2O_10_percent.dat`;

const count = (a: Float64Array, f: (v: number) => boolean) => a.filter(f).length;

Deno.test("readMeasurement() reads the NIST table of run 33837 as a 150×150 regular grid", async () => {
  const m = await readMeasurement(NIST);
  assert.deepEqual([m.height, m.width, m.separable], [150, 150, true]);
  assert.equal(count(m.intensity, (v) => v < 0), 0);
  assert.equal(count(m.intensity, (v) => v === 0), 105);
  assert.deepEqual([m.qx[0], m.qx[1], m.qy[0], m.qy[150]], [-0.149, -0.147, -0.149, -0.147]);
  assert.deepEqual([m.intensity[0], m.sigma![0]], [0.77225, 0.218756]);
  assert.equal(m.provenance.format, "qxqy-ascii");
});

Deno.test("readMeasurement() keeps the 288 negative and 33 zero pixels of P123", async () => {
  const m = await readMeasurement(P123);
  assert.deepEqual([m.height, m.width], [100, 100]);
  assert.equal(count(m.intensity, (v) => v < 0), 288);
  assert.equal(count(m.intensity, (v) => v === 0), 33);
  assert.equal(m.intensity[0], -0.0862318);
  assert.ok(m.sigma!.every((s) => s >= 0));
});

Deno.test("readMeasurement() reads NXcanSAS run 33837 with units, title and entry", async () => {
  const m = await readMeasurement(H5);
  assert.deepEqual([m.height, m.width, m.separable], [150, 150, true]);
  assert.deepEqual(m.units, { q: "1/A", intensity: "1/cm" });
  assert.equal(m.title, "MH4_5deg_16T_SLOW");
  assert.deepEqual([m.provenance.entry, m.provenance.data], ["sasentry01", "sasdata"]);
  assert.equal(count(m.intensity, (v) => v === 0), 105);
  assert.equal(m.mask, null);
});

Deno.test("NXcanSAS and NIST files of run 33837 agree to the table's 6 significant digits", async () => {
  const [h, a] = await Promise.all([readMeasurement(H5), readMeasurement(NIST)]);
  let flagged = 0;
  for (let i = 0; i < a.intensity.length; i++) {
    // The table marks its 105 empty pixels with err(I) = 1e6 where the HDF5 file has 0.
    const empty = a.intensity[i] === 0 && a.sigma![i] === 1e6 && h.sigma![i] === 0;
    if (empty) flagged++;
    const pairs = [
      [h.intensity[i], a.intensity[i]],
      ...(empty ? [] : [[h.sigma![i], a.sigma![i]]]),
    ];
    for (const [x, y] of pairs) {
      const digit = y === 0 ? 0 : 10 ** (Math.floor(Math.log10(Math.abs(y))) - 5);
      assert.ok(Math.abs(x - y) <= 0.5 * digit * (1 + 1e-9), `pixel ${i}: ${x} vs ${y}`);
    }
    assert.ok(Math.abs(h.qx[i] - a.qx[i]) < 1e-12 && Math.abs(h.qy[i] - a.qy[i]) < 1e-12);
  }
  assert.equal(flagged, 105);
});

Deno.test("parseQxQyTable() reads a non-square table with a long header and extra columns", () => {
  const rows = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) rows.push(`${c * 0.1},${r * 0.2},${r - c},0.5,0,1e-3,2e-3`);
  }
  const header = [
    "ASCII data created today",
    "MON CNT LAMBDA DET_DIST",
    "1e8 6 13.1",
    "ASCII data",
  ];
  const m = parseQxQyTable([...header, ...rows].join("\n"), "t.dat");
  assert.deepEqual([m.height, m.width, m.separable], [3, 4, true]);
  assert.deepEqual(m.extra.map((c) => c.name), ["Qz", "SigmaQ_parall", "SigmaQ_perp"]);
  assert.equal(m.intensity[5], 0); // row 1, column 1
  assert.equal(m.extra[2].values[11], 2e-3);
});

Deno.test("parseQxQyTable() names the file and line of a wrong column count", () => {
  const text = "Data columns Qx - Qy - I(Qx,Qy) - err(I)\nASCII data\n0 0 1 1\n0 1 2\n";
  assert.throws(() => parseQxQyTable(text, "bad.dat"), (e: Error) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /^bad\.dat:4: 3 columns, expected 4/);
    return true;
  });
});

Deno.test("parseQxQyTable() names the file, line and column of text in a number column", () => {
  const text = "Data columns Qx - Qy - I(Qx,Qy) - err(I)\nASCII data\n0 0 1 1\n0 1 abc 1\n";
  assert.throws(() => parseQxQyTable(text, "bad.dat"), /bad\.dat:4: column 3 is "abc"/);
});

Deno.test("readMeasurement() says what an unknown file holds", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/x.json`, '{"not": "a table"}\n');
  await assert.rejects(
    readMeasurement(`${dir}/x.json`),
    (e: Error) =>
      e instanceof FormatError && /x\.json: not a 2-D QxQy.*found "\{"not"/.test(e.message),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readMeasurement() reports a truncated NXcanSAS file in one line naming it", async () => {
  const dir = await Deno.makeTempDir();
  const bytes = await Deno.readFile(H5);
  await Deno.writeFile(`${dir}/cut.h5`, bytes.subarray(0, 200_000));
  await assert.rejects(readMeasurement(`${dir}/cut.h5`), (e: Error) => {
    assert.ok(e instanceof FormatError, String(e));
    assert.match(
      e.message,
      /cut\.h5: not a readable HDF5\/NXcanSAS file \(truncated: 200000 bytes, its superblock says 537279\)/,
    );
    assert.ok(!e.message.includes("\n"));
    return true;
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeMeasurement() gives back what the readers read (.dat and NXcanSAS)", async () => {
  const dir = await Deno.makeTempDir();
  for (const source of [H5, P123]) {
    const m = await readMeasurement(source);
    for (const ext of ["h5", "dat"]) {
      await writeMeasurement(`${dir}/out.${ext}`, m);
      const back = await readMeasurement(`${dir}/out.${ext}`);
      assert.deepEqual([back.height, back.width], [m.height, m.width]);
      assert.deepEqual(back.intensity, m.intensity);
      assert.deepEqual(back.sigma, m.sigma);
      assert.deepEqual([back.qx, back.qy], [m.qx, m.qy]);
      if (ext === "h5") assert.deepEqual(back.units, m.units);
    }
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a written NXcanSAS file has the input's groups, attributes and arrays for h5py", async () => {
  const python = await pythonWithH5py();
  if (python === null) {
    console.warn("skipped: python3-h5py is not installed (apt-get install python3-h5py)");
    return;
  }
  const dir = await Deno.makeTempDir();
  await writeMeasurement(`${dir}/out.h5`, await readMeasurement(H5));
  const [a, b] = await Promise.all([h5pyDump(python, H5), h5pyDump(python, `${dir}/out.h5`)]);
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
  for (const path of Object.keys(a)) assert.deepEqual(b[path], a[path], path);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a table with a mask column becomes NXcanSAS with I, Idev, Qx, Qy, mask and units", async () => {
  const rows = [
    "Data columns Qx - Qy - I(Qx,Qy) - err(I) - Qz - SigmaQ_parall - SigmaQ_perp - Mask",
  ];
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 3; c++) {
      rows.push(`${c / 10} ${r / 10} ${c - r} 0.5 0 0 0 ${c === 1 ? 1 : 0}`);
    }
  }
  const m = parseQxQyTable(rows.join("\n"), "masked.dat");
  const dir = await Deno.makeTempDir();
  await writeMeasurement(`${dir}/m.h5`, m);
  const back = await readMeasurement(`${dir}/m.h5`);
  assert.deepEqual([back.height, back.width], [2, 3]);
  assert.deepEqual(back.mask, Uint8Array.of(0, 1, 0, 0, 1, 0));
  assert.deepEqual([back.intensity, back.qx, back.units], [m.intensity, m.qx, m.units]);
  const python = await pythonWithH5py();
  if (python !== null) {
    const dump = await h5pyDump(python, `${dir}/m.h5`);
    const data = dump["/sasentry01/sasdata01"];
    assert.deepEqual([data.attrs.canSAS_class, data.attrs.signal], ["SASdata", "I"]);
    assert.deepEqual(dump["/sasentry01/sasdata01/mask"].value, [0, 1, 0, 0, 1, 0]);
    assert.equal(dump["/sasentry01/sasdata01/Qx"].attrs.units, "1/A");
    assert.deepEqual(dump["/sasentry01/sasdata01/I"].shape, [2, 3]);
  } else console.warn("h5py part skipped: python3-h5py is not installed");
  await Deno.remove(dir, { recursive: true });
});

/** Writes a small NXcanSAS file with h5wasm: `q` chooses 1-D Qx/Qy axes or one Q[2, H, W]. */
async function smallNXcanSAS(path: string, q: "axes" | "Q" | "1-D") {
  const h5wasm = (await import("h5wasm/node")).default;
  await h5wasm.ready;
  const f = new h5wasm.File(path, "w");
  const entry = f.create_group("entry");
  entry.create_attribute("canSAS_class", "SASentry");
  const data = entry.create_group("data");
  data.create_attribute("canSAS_class", "SASdata");
  data.create_attribute("signal", "I");
  const I = Float64Array.of(1, -2, 0, 4, 5, 6);
  if (q === "1-D") data.create_dataset({ name: "I", data: I, shape: [6], dtype: "<d" });
  else data.create_dataset({ name: "I", data: I, shape: [2, 3], dtype: "<d" });
  if (q === "Q") {
    const qs = Float64Array.of(0, 1, 2, 0, 1, 2, 5, 5, 5, 6, 6, 6);
    data.create_dataset({ name: "Q", data: qs, shape: [2, 2, 3], dtype: "<d" });
  } else {
    data.create_dataset({ name: "Qx", data: Float64Array.of(0, 1, 2), shape: [3], dtype: "<d" });
    data.create_dataset({ name: "Qy", data: Float64Array.of(5, 6), shape: [2], dtype: "<d" });
  }
  f.close();
}

Deno.test("readNXcanSAS() takes 1-D Qx/Qy axes or one Q[2, H, W], and writes them back alike", async () => {
  const dir = await Deno.makeTempDir();
  for (const q of ["axes", "Q"] as const) {
    await smallNXcanSAS(`${dir}/${q}.h5`, q);
    const m = await readMeasurement(`${dir}/${q}.h5`);
    assert.deepEqual([m.height, m.width, m.separable, m.sigma], [2, 3, true, null]);
    assert.deepEqual(m.qx, Float64Array.of(0, 1, 2, 0, 1, 2));
    assert.deepEqual(m.qy, Float64Array.of(5, 5, 5, 6, 6, 6));
    await writeMeasurement(`${dir}/${q}.out.h5`, m);
    const back = await readMeasurement(`${dir}/${q}.out.h5`);
    assert.deepEqual([back.qx, back.qy, back.intensity], [m.qx, m.qy, m.intensity]);
    assert.deepEqual(back.attributes, m.attributes); // same tree: 1-D axes stay 1-D, Q stays Q
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readNXcanSAS() says when an entry holds only 1-D data", async () => {
  const dir = await Deno.makeTempDir();
  await smallNXcanSAS(`${dir}/one.h5`, "1-D");
  await assert.rejects(
    readMeasurement(`${dir}/one.h5`),
    (e: Error) =>
      e instanceof FormatError &&
      /one\.h5: no NXcanSAS SASentry with 2-D SASdata \(entries found: entry\)/.test(e.message),
  );
  await Deno.remove(dir, { recursive: true });
});
