import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { type Chunk, makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import {
  readAllRecords,
  RecordFileWriter,
  scanPartial,
  writeRecords,
} from "../../pipeline/record_stream.ts";
import { joinShardFiles } from "../../pipeline/join_shards.ts";

function chunks(n: number, per: number, first = 0): Chunk[] {
  const out = [];
  for (let s = first; s < first + n; s += per) {
    const e = Math.min(first + n, s + per);
    const data = new Float32Array((e - s) * 6).map((_, i) => (s * 6 + i) * 0.25 - 3);
    out.push(makeChunk([2, 3], data, Array.from({ length: e - s }, (_, i) => ({ index: s + i }))));
  }
  return out;
}

const dir = await Deno.makeTempDir();
const header = makeHeader([2, 3], { seed: 7 });
await writeRecords(`${dir}/good.ndjson`, header, chunks(12, 4));
const goodLines = (await Deno.readTextFile(`${dir}/good.ndjson`)).split("\n").slice(0, -1);

async function rejectsLines(lines: string[], message: RegExp, tail = "\n"): Promise<void> {
  const path = await Deno.makeTempFile({ dir, suffix: ".ndjson" });
  await Deno.writeTextFile(path, lines.join("\n") + tail);
  await assert.rejects(
    readAllRecords(path),
    (e: Error) => e instanceof FormatError && message.test(e.message) && e.message.includes(path),
    `expected ${message}`,
  );
}

Deno.test("a version-2 stream ends in a trailer that counts its items and chunks", () => {
  assert.equal(goodLines.length, 5);
  assert.match(
    goodLines[4],
    /^\{"trailer":\{"first":0,"items":12,"chunks":3,"crc32":"[0-9a-f]{8}"\}\}$/,
  );
  assert.match(goodLines[1], /,"at":0,"crc32":"[0-9a-f]{8}"\}$/);
  assert.match(goodLines[2], /,"at":4,"crc32":"[0-9a-f]{8}"\}$/);
});

Deno.test("a renamed chunk key (labels → labelz) fails the chunk CRC at its line", async () => {
  const lines = [...goodLines];
  lines[2] = lines[2].replace('"labels":', '"labelz":');
  await rejectsLines(lines, /:3: chunk CRC mismatch/);
});

Deno.test("every single-byte change of a chunk's payload is detected", async () => {
  const line = goodLines[1];
  const start = line.indexOf('"data":"') + 8;
  for (let i = start; i < start + 32; i++) {
    const lines = [...goodLines];
    const c = line[i] === "A" ? "B" : "A";
    lines[1] = line.slice(0, i) + c + line.slice(i + 1);
    await rejectsLines(lines, /:2: chunk CRC mismatch/);
  }
});

Deno.test("deleted, repeated and swapped chunk lines are refused at the line", async () => {
  const [h, a, b, c, t] = goodLines;
  await rejectsLines([h, a, c, t], /:3: chunk starts at item 8, expected 4/);
  await rejectsLines([h, a, a, b, c, t], /:3: chunk starts at item 0, expected 4/);
  await rejectsLines([h, b, a, c, t], /:3: chunk starts at item 0, expected 8/);
  await rejectsLines(
    [h, b, c, t],
    /:4: the trailer counts 12 items in 3 chunks from item 0, the file holds 8 in 2 from item 4/,
  );
  await rejectsLines([h, a, b, t], /:4: the trailer counts 12 items/);
});

Deno.test("a file cut at a line boundary, or holding only its header, is truncated", async () => {
  await rejectsLines(goodLines.slice(0, 3), /no trailer line after line 3: the file is truncated/);
  await rejectsLines(goodLines.slice(0, 1), /no trailer line after line 1/);
  await rejectsLines([...goodLines, goodLines[1]], /:6: a line after the trailer/);
});

Deno.test("a chunk line of another stream (other header) fails its CRC", async () => {
  const other = `${dir}/other.ndjson`;
  await writeRecords(other, makeHeader([2, 3], { seed: 8 }), chunks(12, 4));
  const theirs = (await Deno.readTextFile(other)).split("\n");
  await rejectsLines([goodLines[0], theirs[1], ...goodLines.slice(2)], /:2: chunk CRC mismatch/);
  await rejectsLines([theirs[0], ...goodLines.slice(1)], /:2: chunk CRC mismatch/);
});

Deno.test("a version-1 stream still reads, with a warning that it cannot be verified", async () => {
  const path = `${dir}/v1.ndjson`;
  const c = chunks(2, 2)[0];
  const line = JSON.stringify({ ...c, data: new Uint8Array(c.data.buffer).toBase64() });
  await Deno.writeTextFile(
    path,
    `${JSON.stringify(makeHeader([2, 3], { version: 1 }))}\n${line}\n`,
  );
  const warnings: string[] = [];
  const back = await readAllRecords(path, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(back.chunks[0].labels, [{ index: 0 }, { index: 1 }]);
  assert.deepEqual(warnings, [
    `${path}: stream format version 1 has no checksums; its integrity cannot be verified`,
  ]);
});

Deno.test("hostile counts and dtypes are refused before anything is allocated", async () => {
  const h = JSON.stringify(makeHeader([2, 3], { version: 1 }));
  const cases: [string, RegExp][] = [
    [
      `{"count":4294967296,"shape":[2,3],"dtype":"float32","data":""}`,
      /:2: "labels" must be an array/,
    ],
    [
      `{"count":100000000,"shape":[2,3],"dtype":"float32","labels":[],"data":""}`,
      /:2: "count" must equal the number of labels \(0\)/,
    ],
    [
      `{"count":0,"shape":[2,3],"dtype":"__proto__","labels":[],"data":""}`,
      /:2: "dtype" must be one of/,
    ],
    [
      `{"count":0,"shape":[2,3],"dtype":"float32","labelz":[],"data":""}`,
      /:2: unknown chunk field "labelz"/,
    ],
  ];
  for (const [line, message] of cases) await rejectsLines([h, line], message);
  await rejectsLines(
    [JSON.stringify(makeHeader([1e5, 1e5]))],
    /:1: "shape" \[100000,100000\] has 10000000000 elements/,
  );
  await rejectsLines(
    [JSON.stringify({ ...makeHeader([2, 3]), dtype: "constructor" })],
    /:1: "dtype" must be one of/,
  );
});

Deno.test("resume refuses a partial of another shard, naming where each starts", async () => {
  const path = `${dir}/shard.ndjson`;
  const w = await RecordFileWriter.open(path, header, { first: 0 });
  for (const c of chunks(8, 4)) await w.write(c);
  await w.abort();
  await assert.rejects(
    RecordFileWriter.open(path, header, { resume: true, first: 8 }),
    (e: Error) =>
      e instanceof FormatError &&
      e.message === `${path}.partial: cannot resume: it holds items from 0, this run starts at 8 ` +
          `(another --shard?); remove it or drop --resume`,
  );
  await assert.rejects(
    RecordFileWriter.open(path, makeHeader([2, 3], { seed: 9 }), { resume: true }),
    /cannot resume: it was started with different settings: seed \(partial 7, this run 9\)/,
  );
  assert.equal((await scanPartial(`${path}.partial`))?.images, 8);
});

Deno.test("a partial whose last line lacks its newline resumes before that line", async () => {
  const path = `${dir}/torn.ndjson`;
  const all = chunks(12, 4);
  const w = await RecordFileWriter.open(path, header);
  for (const c of all.slice(0, 2)) await w.write(c);
  await w.abort();
  const text = await Deno.readTextFile(`${path}.partial`);
  await Deno.writeTextFile(`${path}.partial`, text.slice(0, -1));
  assert.equal((await scanPartial(`${path}.partial`))?.images, 4);
  const r = await RecordFileWriter.open(path, header, { resume: true });
  for (const c of all.slice(1)) await r.write(c);
  await r.commit();
  assert.equal(await Deno.readTextFile(path), goodLines.join("\n") + "\n");
});

Deno.test("a shard file carries its first item in its chunks and trailer", async () => {
  const path = `${dir}/s2.ndjson`;
  await writeShard(path, 4, chunks(8, 4, 4));
  const back = await readAllRecords(path);
  assert.deepEqual(back.chunks.flatMap((c) => c.labels.map((l) => l.index)), [
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
  ]);
  assert.match((await Deno.readTextFile(path)).split("\n")[3], /"first":4,"items":8,"chunks":2/);
});

async function writeShard(path: string, first: number, list: Chunk[]): Promise<void> {
  const w = await RecordFileWriter.open(path, header, { first });
  for (const c of list) await w.write(c);
  await w.commit();
}

Deno.test("joinShardFiles() joins shard files by their positions into the one-run file", async () => {
  await writeShard(`${dir}/m1.ndjson`, 0, chunks(4, 4));
  await writeShard(`${dir}/m2.ndjson`, 4, chunks(8, 4, 4));
  const merged = `${dir}/merged.ndjson`;
  for (const order of [["m1", "m2"], ["m2", "m1"]]) {
    const parts = order.map((name) => `${dir}/${name}.ndjson`);
    assert.deepEqual(await joinShardFiles(parts, merged), { images: 12 });
    assert.equal(await Deno.readTextFile(merged), goodLines.join("\n") + "\n");
  }
  await assert.rejects(
    joinShardFiles([`${dir}/m2.ndjson`], `${dir}/bad.ndjson`),
    (e: Error) =>
      e instanceof FormatError &&
      e.message === `${dir}/m2.ndjson: image index 4 where 0 was expected`,
  );
  await assert.rejects(Deno.stat(`${dir}/bad.ndjson`), Deno.errors.NotFound);
});
