import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { type Chunk, makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import {
  readAllRecords,
  readRecords,
  RecordFileWriter,
  scanPartial,
  writeRecords,
} from "../../pipeline/record_stream.ts";
import { RebatchStream } from "../../pipeline/batch_stream.ts";

function chunks(n: number, per: number): Chunk[] {
  const out = [];
  for (let s = 0; s < n; s += per) {
    const e = Math.min(n, s + per);
    const data = new Float32Array((e - s) * 6).map((_, i) => (s * 6 + i) * 0.25 - 3);
    out.push(makeChunk([2, 3], data, Array.from({ length: e - s }, (_, i) => ({ index: s + i }))));
  }
  return out;
}

async function writeText(text: string): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  await Deno.writeTextFile(path, text);
  return path;
}

for (const suffix of [".ndjson", ".ndjson.gz"]) {
  Deno.test(`records round-trip bit for bit through a ${suffix} file`, async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/x${suffix}`;
    const header = makeHeader([2, 3], { seed: 7 });
    const written = chunks(10, 4);
    assert.equal((await writeRecords(path, header, written)).images, 10);
    const back = await readAllRecords(path);
    assert.deepEqual(back.header, header);
    assert.deepEqual(back.chunks.map((c) => c.labels), written.map((c) => c.labels));
    assert.deepEqual(
      back.chunks.map((c) => Array.from(c.data)),
      written.map((c) => Array.from(c.data)),
    );
    assert.ok(back.chunks[0].data instanceof Float32Array);
    await assert.rejects(Deno.stat(`${path}.partial`), Deno.errors.NotFound);
  });
}

Deno.test("a malformed line is reported with file:line", async () => {
  const good = chunks(2, 2)[0];
  const header = JSON.stringify(makeHeader([2, 3], { version: 1 }));
  const line = JSON.stringify({ ...good, data: new Uint8Array(good.data.buffer).toBase64() });
  const path = await writeText(`${header}\n${line}\n{"count": 1, oops\n`);
  const { chunks: stream } = await readRecords(path, { onWarning: () => {} });
  await assert.rejects(Array.fromAsync(stream), (e: Error) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, new RegExp(`${path}:3: not valid JSON`));
    return true;
  });
});

Deno.test("a truncated payload, a wrong shape and a missing header are clear errors", async () => {
  const header = JSON.stringify(makeHeader([2, 3], { version: 1 }));
  const c = chunks(1, 1)[0];
  const b64 = new Uint8Array(c.data.buffer).toBase64();
  const cases: [string, RegExp][] = [
    [
      `${header}\n${JSON.stringify({ ...c, data: b64.slice(0, 12) })}`,
      /:2: "data" holds 9 bytes, expected 24/,
    ],
    [
      `${header}\n${JSON.stringify({ ...c, shape: [3, 2], data: b64 })}`,
      /:2: chunk is float32\[3,2\] but the header says float32\[2,3\]/,
    ],
    [`${JSON.stringify({ ...c, data: b64 })}\n`, /:1: first line must be a sasquash-ndjson header/],
    ["", /empty file/],
  ];
  for (const [text, message] of cases) {
    const path = await writeText(text);
    await assert.rejects(
      readRecords(path, { onWarning: () => {} }).then((s) => Array.fromAsync(s.chunks)),
      (e: Error) => e instanceof FormatError && message.test(e.message),
      `expected ${message}`,
    );
  }
});

Deno.test("a truncated gzip file fails with a FormatError, not a crash", async () => {
  const dir = await Deno.makeTempDir();
  await writeRecords(`${dir}/a.ndjson.gz`, makeHeader([2, 3]), chunks(200, 50));
  const bytes = await Deno.readFile(`${dir}/a.ndjson.gz`);
  await Deno.writeFile(`${dir}/b.ndjson.gz`, bytes.subarray(0, bytes.length - 40));
  await assert.rejects(
    readRecords(`${dir}/b.ndjson.gz`).then((s) => Array.fromAsync(s.chunks)),
    (e: Error) => e instanceof FormatError && /corrupt or truncated/.test(e.message),
  );
});

Deno.test("resume keeps complete chunks of a partial file and drops a torn tail", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/r.ndjson`;
  const header = makeHeader([2, 3], { seed: 1 });
  const all = chunks(12, 4);
  const w = await RecordFileWriter.open(path, header);
  await w.write(all[0]);
  await w.write(all[1]);
  await w.abort();
  await Deno.writeTextFile(`${path}.partial`, '{"count":4,"shape":[2,', { append: true });
  assert.equal((await scanPartial(`${path}.partial`))?.images, 8);
  const r = await RecordFileWriter.open(path, header, { resume: true });
  assert.equal(r.resumedImages, 8);
  await r.write(all[2]);
  await r.commit();
  const back = await readAllRecords(path);
  assert.deepEqual(back.chunks.flatMap((c) => c.labels.map((l) => l.index)), [...Array(12).keys()]);
  await assert.rejects(
    RecordFileWriter.open(`${dir}/other.ndjson`, header, { resume: true }).then(async (x) => {
      assert.equal(x.resumedImages, 0);
      await x.abort();
      await Deno.writeTextFile(
        `${dir}/other.ndjson.partial`,
        JSON.stringify(makeHeader([9])) + "\n",
      );
      return RecordFileWriter.open(`${dir}/other.ndjson`, header, { resume: true });
    }),
    /cannot resume: it was started with different settings/,
  );
});

Deno.test("RebatchStream regroups items in order into fixed batches", async () => {
  const out = await Array.fromAsync(
    ReadableStream.from(chunks(11, 3)).pipeThrough(new RebatchStream(4)),
  );
  assert.deepEqual(out.map((c) => c.count), [4, 4, 3]);
  assert.deepEqual(out.flatMap((c) => c.labels.map((l) => l.index)), [...Array(11).keys()]);
  assert.deepEqual(
    Array.from(out[1].data.subarray(0, 3)),
    [24 * 0.25 - 3, 25 * 0.25 - 3, 26 * 0.25 - 3],
  );
});
