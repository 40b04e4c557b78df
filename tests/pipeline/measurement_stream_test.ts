import assert from "node:assert/strict";
import { readMeasurement } from "../../pipeline/measurement_file.ts";
import { measurementFromStream, measurementRecords } from "../../pipeline/measurement_stream.ts";
import { parseQxQyTable } from "../../pipeline/qxqy_ascii.ts";
import { readAllRecords } from "../../pipeline/record_stream.ts";
import { h5pyDump, pythonWithH5py } from "../fixtures/h5py_dump.ts";
import { task } from "../fixtures/run_task.ts";

const REAL = new URL("../../../shared/real/", import.meta.url).pathname;

Deno.test("measurementRecords() puts I in the image, the grid in the header, err(I) in the label", async () => {
  const m = await readMeasurement(`${REAL}P123_D2O_10_percent.dat`);
  const { header, chunk } = measurementRecords(m);
  assert.deepEqual(header.shape, [100, 100]);
  const meta = header.measurement as { grid: { qx: number[]; qy: number[] }; title: string };
  assert.deepEqual([meta.grid.qx.length, meta.grid.qx[0], meta.grid.qy[99]], [100, -0.099, 0.099]);
  assert.equal(meta.title, "P123_D2O_10_percent");
  assert.deepEqual(chunk.data, m.intensity);
  assert.deepEqual(chunk.labels[0].sigma, Array.from(m.sigma!));
});

Deno.test("measurementRecords() keeps a non-separable grid per pixel in the label", () => {
  const rows = ["0 0 1 1", "0.1 0 2 1", "0 0.1 3 1", "0.1 0.11 4 1"]; // last Qy off the grid
  const m = parseQxQyTable(rows.join("\n"), "skew.dat");
  assert.equal(m.separable, false);
  const { header, chunk } = measurementRecords(m);
  assert.equal((header.measurement as { grid: unknown }).grid, null);
  assert.deepEqual(chunk.labels[0].qy, [0, 0, 0.1, 0.11]);
});

Deno.test("convert task: NXcanSAS → one-image stream that readRecords() reads → NXcanSAS", async () => {
  const dir = await Deno.makeTempDir();
  const there = await task(
    "convert",
    ...["--in", `${REAL}33837rear_2D_1.75_16.5_NXcanSAS_v3.h5`, "--out", `${dir}/run.ndjson`],
  );
  assert.equal(there.code, 0, there.stderr);
  const { header, chunks } = await readAllRecords(`${dir}/run.ndjson`);
  assert.deepEqual(header.shape, [150, 150]);
  assert.deepEqual((header.measurement as { units: unknown }).units, {
    q: "1/A",
    intensity: "1/cm",
  });
  assert.equal(chunks.reduce((s, c) => s + c.count, 0), 1);
  assert.equal(chunks[0].labels[0].entry, "sasentry01");
  // and back: NXcanSAS → stream → NXcanSAS, every array and attribute bit-identical for h5py
  const done = await task("convert", "--in", `${dir}/run.ndjson`, "--out", `${dir}/run.h5`);
  assert.equal(done.code, 0, done.stderr);
  const python = await pythonWithH5py();
  if (python === null) console.warn("h5py part skipped: python3-h5py is not installed");
  else {
    const [a, b] = await Promise.all([
      h5pyDump(python, `${REAL}33837rear_2D_1.75_16.5_NXcanSAS_v3.h5`),
      h5pyDump(python, `${dir}/run.h5`),
    ]);
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const path of Object.keys(a)) assert.deepEqual(b[path], a[path], path);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("measurementFromStream() gives back every field of a measurement, extra columns too", () => {
  const rows = [
    "Data columns Qx - Qy - I(Qx,Qy) - err(I) - Qz - SigmaQ_parall - SigmaQ_perp - Mask",
  ];
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 3; c++) rows.push(`${c / 10} ${r / 7} ${c - r / 3} 0.5 0 ${c} 2 ${c & 1}`);
  }
  const m = parseQxQyTable(rows.join("\n"), "x.dat");
  const { header, chunk } = measurementRecords(m);
  const wire = JSON.parse(JSON.stringify({ header, labels: chunk.labels }));
  const back = measurementFromStream(wire.header, [{ ...chunk, labels: wire.labels }], "x.ndjson");
  assert.deepEqual(back, m);
});
