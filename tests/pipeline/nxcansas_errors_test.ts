import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { readMeasurement } from "../../pipeline/measurement_file.ts";
import { readAllRecords } from "../../pipeline/record_stream.ts";
import { h5pyDump, pythonWithH5py } from "../fixtures/h5py_dump.ts";
import { REAL_H5, REAL_NIST, twoEntryNXcanSAS } from "../fixtures/measured_files.ts";
import { task } from "../fixtures/run_task.ts";

const dir = await Deno.makeTempDir();
const real = await Deno.readFile(REAL_H5);

/** The real .h5 with `length` bytes from `at` inverted. */
async function flipped(name: string, at: number, length: number): Promise<string> {
  const bytes = real.slice();
  for (let i = at; i < at + length; i++) bytes[i] ^= 0xff;
  await Deno.writeFile(`${dir}/${name}`, bytes);
  return `${dir}/${name}`;
}

/** Runs convert on `path`; checks exit 1 and one stderr line naming it; returns that line. */
async function convertFails(path: string, ...flags: string[]): Promise<string> {
  const r = await task("convert", "--in", path, "--out", `${dir}/out.ndjson`, ...flags);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.split("\n").length, 1, `one stderr line, got:\n${r.stderr}`);
  assert.ok(r.stderr.startsWith(`convert: error: ${path}: `), r.stderr);
  assert.doesNotMatch(r.stderr, /HDF5-DIAG|\bat \w|\.js:\d|#0\d\d/);
  assert.equal(r.stdout, "");
  return r.stderr;
}

const UNREADABLE = /: not a readable HDF5\/NXcanSAS file \([^)\n]+\)$/;

Deno.test("convert: an NXcanSAS file with flipped bytes mid-file is one stderr line, exit 1", async () => {
  // the middle of the file: gzip'd chunks of I, which the library fails to inflate
  const middle = await flipped("middle.h5", real.length >> 1, 64);
  const line = await convertFails(middle);
  assert.match(line, UNREADABLE);
  assert.match(line, /filter returned failure during read/);
});

Deno.test("convert: flipped bytes in the superblock and object headers are one stderr line", async () => {
  for (const [at, reason] of [[48, /superblock|symbol table/], [800, /object header/]] as const) {
    const line = await convertFails(await flipped(`head${at}.h5`, at, 32));
    assert.match(line, UNREADABLE);
    assert.match(line, reason);
  }
});

Deno.test("convert: the HDF5 signature followed by garbage is one stderr line, exit 1", async () => {
  const bytes = new Uint8Array(4096);
  bytes.set(real.subarray(0, 8));
  for (let i = 8; i < bytes.length; i++) bytes[i] = (i * 37) & 0xff;
  await Deno.writeFile(`${dir}/garbage.h5`, bytes);
  assert.match(await convertFails(`${dir}/garbage.h5`), UNREADABLE);
});

Deno.test("readMeasurement() throws a FormatError, and prints nothing, for a corrupt file", async () => {
  const path = await flipped("quiet.h5", real.length >> 1, 64);
  const printed: unknown[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void printed.push(args);
  try {
    await assert.rejects(readMeasurement(path), (e: Error) => {
      assert.ok(e instanceof FormatError, String(e));
      assert.match(e.message, UNREADABLE);
      return true;
    });
  } finally {
    console.error = error;
  }
  assert.deepEqual(printed, []);
  // the library still works after a failure
  assert.equal((await readMeasurement(REAL_H5)).width, 150);
});

const twoEntries = `${dir}/two.h5`;
const m = await twoEntryNXcanSAS(twoEntries);

Deno.test("readMeasurement({entry}) reads the named SASentry of a two-entry NXcanSAS file", async () => {
  const first = await readMeasurement(twoEntries);
  const second = await readMeasurement(twoEntries, { entry: "sasentry02" });
  assert.deepEqual(first.intensity, m.intensity);
  assert.deepEqual(second.intensity, m.intensity.map((v) => 2 * v));
  assert.deepEqual([first.provenance.entry, second.provenance.entry], ["sasentry01", "sasentry02"]);
  assert.deepEqual(second.qx, m.qx);
  const python = await pythonWithH5py();
  if (python !== null) {
    const dump = await h5pyDump(python, twoEntries);
    const I = dump["/sasentry02/sasdata/I"];
    assert.deepEqual(I.shape, [150, 150]);
    assert.equal((I.value as number[])[0], 2 * m.intensity[0]);
  } else console.warn("h5py part skipped: python3-h5py is not installed");
});

Deno.test("a wrong --entry is one line listing the entries found", async () => {
  await assert.rejects(
    readMeasurement(twoEntries, { entry: "sasentry03" }),
    (e: Error) =>
      e instanceof FormatError &&
      e.message ===
        `${twoEntries}: no SASentry named "sasentry03" (entries found: sasentry01, sasentry02)`,
  );
  const line = await convertFails(twoEntries, "--entry", "nope");
  assert.match(line, /no SASentry named "nope" \(entries found: sasentry01, sasentry02\)$/);
  await assert.rejects(
    readMeasurement(REAL_NIST, { entry: "sasentry01" }),
    /NIST\.dat: --entry sasentry01 names an NXcanSAS SASentry, but this is an ASCII file/,
  );
});

Deno.test("convert --entry and compress --entry read the named entry", async () => {
  const r = await task(
    "convert",
    "--in",
    twoEntries,
    "--entry",
    "sasentry02",
    "--out",
    `${dir}/two.ndjson`,
  );
  assert.equal(r.code, 0, r.stderr);
  const { chunks } = await readAllRecords(`${dir}/two.ndjson`);
  assert.equal(chunks[0].data[0], 2 * m.intensity[0]);
  assert.equal(chunks[0].labels[0].entry, "sasentry02");
  const c = await task(
    "compress",
    "--in",
    twoEntries,
    "--entry",
    "sasentry02",
    "--max-rel-error",
    "0.01",
    "--out",
    `${dir}/two.sqz`,
  );
  assert.equal(c.code, 0, c.stderr);
  const d = await task("decompress", "--in", `${dir}/two.sqz`, "--out", `${dir}/back.dat`);
  assert.equal(d.code, 0, d.stderr);
  const back = await readMeasurement(`${dir}/back.dat`);
  for (let i = 0; i < back.intensity.length; i += 997) {
    const want = 2 * m.intensity[i];
    assert.ok(Math.abs(back.intensity[i] - want) <= 0.01 * Math.abs(want) * 1.0001, `pixel ${i}`);
  }
});
