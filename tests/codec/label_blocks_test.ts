import assert from "node:assert/strict";
import {
  LabelUnpacker,
  PackLabelsStream,
  unpackLabels,
  UnpackLabelsStream,
} from "../../codec/label_blocks.ts";
import type { SqzInput, SqzRecord } from "../../codec/sqz_container.ts";
import { FormatError } from "../../pipeline/errors.ts";

/** 150 records: generator-like labels, every 7th without one, codes of distinct lengths. */
const inputs: SqzInput[] = Array.from({ length: 150 }, (_, i) => {
  const code = Uint8Array.from({ length: 1 + (i % 5) }, (_, j) => (i * 7 + j) & 0xff);
  if (i % 7 === 3) return { code };
  const params = { scale: 1, background: 0.001, radius: 20 + i / 3, radius_pd_type: "gaussian" };
  return { code, label: { index: i, seed: 1000 + i, model: "sphere", params } };
});

async function pack(block?: number): Promise<SqzRecord[]> {
  const out: SqzRecord[] = [];
  await ReadableStream.from(inputs).pipeThrough(new PackLabelsStream(block))
    .pipeTo(new WritableStream({ write: (r) => void out.push({ ...r, index: out.length }) }));
  return out;
}

Deno.test("PackLabelsStream → UnpackLabelsStream restores every label and code, absent labels too", async () => {
  const packed = await pack();
  assert.ok(packed.every((r) => r.label === undefined));
  const back: SqzRecord[] = [];
  await ReadableStream.from(packed).pipeThrough(new UnpackLabelsStream("t.sqz"))
    .pipeTo(new WritableStream({ write: (r) => void back.push(r) }));
  assert.deepEqual(back, inputs.map((x, index) => ({ index, ...x })));
  assert.deepEqual(unpackLabels(packed), back);
});

Deno.test("labels packed in blocks of 64 take a fraction of their JSON bytes", async () => {
  const packed = await pack();
  const labelBytes = inputs.reduce((a, x) => a + (x.label ? JSON.stringify(x.label).length : 0), 0);
  const overhead = packed.reduce((a, r, i) => a + r.code.length - inputs[i].code.length, 0);
  assert.ok(overhead < labelBytes / 4, `${overhead} packed bytes for ${labelBytes} of JSON`);
  // The blocks start at records 0, 64 and 128 only.
  const heads = packed.flatMap((r, i) => (r.code[0] !== 0 ? [i] : []));
  assert.deepEqual(heads, [0, 64, 128]);
});

Deno.test("a lost record, a corrupt block or a cut file is a FormatError naming the record", async () => {
  const packed = await pack(10);
  assert.throws(
    () => unpackLabels(packed.slice(0, 25), "t.sqz"),
    /^FormatError: t\.sqz: the last label block names 5 missing records$/,
  );
  const skipped = [...packed.slice(0, 9), ...packed.slice(10)].map((r, index) => ({ ...r, index }));
  assert.throws(
    () => unpackLabels(skipped, "t.sqz"),
    /t\.sqz: record 9: label block before the last one ended/,
  );
  assert.throws(
    () => unpackLabels(packed.slice(1), "t.sqz"),
    /t\.sqz: record 1: no label block covers/,
  );
  const bad = packed.map((r) => ({ ...r, code: r.code.slice() }));
  bad[10].code[3] ^= 0xff;
  assert.throws(() => unpackLabels(bad, "t.sqz"), FormatError);
  const unpacker = new LabelUnpacker("t.sqz");
  assert.throws(
    () => unpacker.take({ index: 0, code: Uint8Array.of(0x80, 0x80, 0x80, 0x80) }),
    /bad label block length/,
  );
});
