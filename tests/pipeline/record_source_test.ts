import assert from "node:assert/strict";
import { FormatError, UsageError } from "../../pipeline/errors.ts";
import { readMeasurement } from "../../pipeline/measurement_file.ts";
import { measuredImage, openRecordSource } from "../../pipeline/record_source.ts";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { writeRecords } from "../../pipeline/record_stream.ts";
import { parseQxQyTable } from "../../pipeline/qxqy_ascii.ts";
import {
  REAL_H5,
  REAL_NIST,
  REAL_P123,
  twoEntryNXcanSAS,
  withIntensity,
} from "../fixtures/measured_files.ts";

const dir = await Deno.makeTempDir();
await Deno.mkdir(`${dir}/night`);
// sorted names: b.h5 (NXcanSAS), then c.dat and d.dat (NIST tables); all three 150 × 150
await Deno.copyFile(REAL_H5, `${dir}/night/b.h5`);
await Deno.copyFile(REAL_NIST, `${dir}/night/d.dat`);
await Deno.copyFile(REAL_NIST, `${dir}/night/c.dat`);
const nist = await readMeasurement(REAL_NIST);
const h5 = await readMeasurement(REAL_H5);

/** Every chunk of a source. */
const all = async (spec: string, entry?: string) => {
  const source = await openRecordSource(spec, { entry });
  return { source, chunks: await Array.fromAsync(source.chunks) };
};

Deno.test("openRecordSource() reads one measured file as one float64 image of I", async () => {
  const { source, chunks } = await all(REAL_NIST);
  assert.deepEqual([source.header.shape, source.header.dtype, source.header.n], [
    [150, 150],
    "float64",
    1,
  ]);
  assert.equal(chunks.length, 1);
  assert.deepEqual(chunks[0].data, nist.intensity);
  assert.deepEqual(chunks[0].labels, [{ index: 0, source: REAL_NIST, title: nist.title }]);
  assert.equal(source.extent.items, 1);
});

Deno.test("openRecordSource() reads a glob of measured files in sorted order, one image each", async () => {
  const { source, chunks } = await all(`${dir}/night/*`);
  assert.equal(source.header.n, 3);
  assert.deepEqual(
    chunks.map((c) => c.labels[0].source),
    ["b.h5", "c.dat", "d.dat"].map((f) => `${dir}/night/${f}`),
  );
  assert.deepEqual(chunks.map((c) => c.labels[0].index), [0, 1, 2]);
  assert.deepEqual(chunks[0].data, h5.intensity);
  assert.deepEqual(chunks[2].data, nist.intensity);
  assert.equal(chunks[0].labels[0].entry, "sasentry01");
});

Deno.test("openRecordSource(@LIST) reads the listed files in the list's order", async () => {
  await Deno.writeTextFile(`${dir}/list.txt`, `# two runs\n${dir}/night/d.dat\n${REAL_H5}\n`);
  const { chunks } = await all(`@${dir}/list.txt`);
  assert.deepEqual(chunks.map((c) => c.labels[0].source), [`${dir}/night/d.dat`, REAL_H5]);
});

Deno.test("openRecordSource() still reads a stream file, and says when --entry meets one", async () => {
  const images = Float32Array.from({ length: 2 * 4 }, (_, i) => i + 1);
  await writeRecords(`${dir}/s.ndjson`, makeHeader([2, 2]), [
    makeChunk([2, 2], images, [{ index: 0 }, { index: 1 }]),
  ]);
  const { source, chunks } = await all(`${dir}/s.ndjson`);
  assert.deepEqual([source.header.dtype, chunks[0].count], ["float32", 2]);
  await assert.rejects(
    openRecordSource(`${dir}/s.ndjson`, { entry: "sasentry01" }),
    (e: Error) => e instanceof UsageError && /--entry reads NXcanSAS files/.test(e.message),
  );
  await assert.rejects(
    openRecordSource(`${dir}/missing.ndjson`),
    (e: Error) => e instanceof UsageError && e.message.endsWith("missing.ndjson: no such file"),
  );
});

Deno.test("a glob with files of two shapes is one line naming the first that differs, both shapes", async () => {
  await Deno.mkdir(`${dir}/mixed`);
  await Deno.copyFile(REAL_NIST, `${dir}/mixed/a.dat`);
  await Deno.copyFile(REAL_P123, `${dir}/mixed/b.dat`);
  await Deno.copyFile(REAL_P123, `${dir}/mixed/c.dat`);
  const source = await openRecordSource(`${dir}/mixed/*.dat`);
  await assert.rejects(Array.fromAsync(source.chunks), (e: Error) => {
    assert.ok(e instanceof FormatError, String(e));
    assert.equal(
      e.message,
      `${dir}/mixed/b.dat: 100×100 image, but ${dir}/mixed/a.dat is 150×150; ` +
        `every file of ${dir}/mixed/*.dat must have one shape`,
    );
    return true;
  });
});

Deno.test("a glob that matches a stream file, or nothing, is a UsageError naming the flag", async () => {
  await Deno.writeTextFile(`${dir}/night/e.ndjson`, "");
  await assert.rejects(
    openRecordSource(`${dir}/night/*`),
    /--data .*night\/\*: .*e\.ndjson is not a measured file \(\.h5 .*\); a glob or list names/,
  );
  await Deno.remove(`${dir}/night/e.ndjson`);
  await assert.rejects(openRecordSource(`${dir}/night/*.nxs`), /no file matches$/);
});

Deno.test("a NaN intensity is a FormatError naming the file and the pixel", async () => {
  await withIntensity(REAL_NIST, `${dir}/nan.dat`, 151, NaN);
  const source = await openRecordSource(`${dir}/nan.dat`);
  await assert.rejects(
    Array.fromAsync(source.chunks),
    (e: Error) =>
      e instanceof FormatError &&
      e.message.startsWith(`${dir}/nan.dat: I is NaN at pixel 151 (row 1, column 1); `),
  );
});

Deno.test("measuredImage(): masked pixels are 0 (NaN or not); zeros and negatives pass as measured", () => {
  const rows = ["0 0 -1 1 0", "1 0 NaN 1 1", "0 1 0 1 0", "1 1 5 1 1"];
  const m = parseQxQyTable(["Data columns Qx - Qy - I - dI - Mask", ...rows].join("\n"), "m.dat");
  assert.deepEqual(m.mask, Uint8Array.of(0, 1, 0, 1));
  assert.deepEqual(measuredImage(m), Float64Array.of(-1, 0, 0, 0));
  assert.throws(
    () => measuredImage({ ...m, mask: null }),
    /m\.dat: I is NaN at pixel 1 \(row 0, column 1\)/,
  );
});

Deno.test("openRecordSource({entry}) reads that SASentry of every file", async () => {
  await twoEntryNXcanSAS(`${dir}/two.h5`, (i) => i.map((v) => 3 * v));
  const { chunks } = await all(`${dir}/two.h5`, "sasentry02");
  assert.equal(chunks[0].data[0], 3 * h5.intensity[0]);
  assert.equal(chunks[0].labels[0].entry, "sasentry02");
});
