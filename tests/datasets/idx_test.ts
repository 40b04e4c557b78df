import assert from "node:assert/strict";
import { gunzipIfNeeded, parseIdx, readIdxFile } from "../../datasets/idx.ts";
import { FormatError } from "../../pipeline/errors.ts";
import { gzip, idxBytes } from "./_idx_fixture.ts";

const PAYLOAD = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
const dir = await Deno.makeTempDir();

Deno.test("parseIdx reads dims (big-endian) and the uint8 payload of a raw buffer", () => {
  const { dims, data } = parseIdx(idxBytes([2, 3, 2], PAYLOAD), "tiny");
  assert.deepEqual(dims, [2, 3, 2]);
  assert.deepEqual([...data], PAYLOAD);
});

Deno.test("readIdxFile reads raw and gzip files alike", async () => {
  const raw = idxBytes([12], PAYLOAD);
  await Deno.writeFile(`${dir}/raw-idx1-ubyte`, raw);
  await Deno.writeFile(`${dir}/gz-idx1-ubyte.gz`, await gzip(raw));
  for (const name of ["raw-idx1-ubyte", "gz-idx1-ubyte.gz"]) {
    const { dims, data } = await readIdxFile(`${dir}/${name}`);
    assert.deepEqual(dims, [12]);
    assert.deepEqual([...data], PAYLOAD);
  }
});

Deno.test("parseIdx rejects a bad magic, naming the source", () => {
  const bytes = idxBytes([12], PAYLOAD);
  bytes[0] = 8;
  assert.throws(
    () => parseIdx(bytes, "x.idx"),
    (e) => e instanceof FormatError && /x\.idx: bad IDX magic/.test(e.message),
  );
});

Deno.test("parseIdx rejects data types other than unsigned byte", () => {
  assert.throws(() => parseIdx(idxBytes([12], PAYLOAD, 0x0d), "f"), /data type 0xd/);
});

Deno.test("parseIdx rejects truncated headers and payloads, and trailing bytes", () => {
  const bytes = idxBytes([2, 3, 2], PAYLOAD);
  assert.throws(() => parseIdx(bytes.subarray(0, 3), "t"), /too short/);
  assert.throws(() => parseIdx(bytes.subarray(0, 10), "t"), /truncated IDX header/);
  assert.throws(
    () => parseIdx(bytes.subarray(0, bytes.length - 1), "t"),
    /truncated IDX payload \(11 of 12 bytes/,
  );
  const longer = new Uint8Array(bytes.length + 2);
  longer.set(bytes);
  assert.throws(() => parseIdx(longer, "t"), /2 bytes after the IDX payload/);
});

Deno.test("a truncated gzip stream is a FormatError", async () => {
  const packed = await gzip(idxBytes([12], PAYLOAD));
  await assert.rejects(
    gunzipIfNeeded(packed.subarray(0, packed.length - 6), "cut.gz"),
    (e) => e instanceof FormatError && /cut\.gz: corrupt gzip/.test(e.message),
  );
});
