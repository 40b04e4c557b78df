import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import { CodecModelError, FormatError, ModelError } from "../../pipeline/errors.ts";
import {
  decodeSqz,
  encodeSqz,
  type SqzInput,
  SqzReaderStream,
  type SqzRecord,
  SqzWriterStream,
} from "../../codec/sqz_container.ts";
import { decodeSqzHeader, encodeSqzHeader, type SqzHeader } from "../../codec/sqz_header.ts";
import { gaussianGapModel } from "../../codec/gap_model.ts";
import { decodeLatent, encodeLatent } from "../../codec/sparse_code.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { randomIndices, sparseLatent } from "../fixtures/synthetic_codes.ts";

const header: SqzHeader = {
  modelId: Uint8Array.from({ length: 32 }, (_, i) => i * 7),
  height: 64,
  width: 64,
  dtype: "float32",
  ell: 8192,
  f: "grad",
  quant: "fp16",
  gapModelId: 0xdeadbeef,
};

const inputs: SqzInput[] = [
  { code: Uint8Array.of(1, 2, 3), label: { model: "sphere", radius: 42.5 } },
  { code: new Uint8Array(0) },
  { code: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff), label: { s: "é".repeat(100) } },
];

async function writeStream(items: SqzInput[]): Promise<Uint8Array> {
  const chunks = await Array.fromAsync(
    ReadableStream.from(items).pipeThrough(new SqzWriterStream(header)),
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) at += (out.set(c, at), c.length);
  return out;
}

async function readStream(bytes: Uint8Array, chunk: number, opts = {}) {
  const parts: Uint8Array[] = [];
  for (let p = 0; p < bytes.length; p += chunk) parts.push(bytes.slice(p, p + chunk));
  const reader = new SqzReaderStream(opts);
  const records: SqzRecord[] = await Array.fromAsync(
    ReadableStream.from(parts).pipeThrough(reader),
  );
  return { header: await reader.header, records };
}

Deno.test("writer stream and encodeSqz produce the same bytes; records and header read back", async () => {
  const bytes = await writeStream(inputs);
  assert.deepEqual(bytes, encodeSqz(header, inputs));
  const { header: h, records } = decodeSqz(bytes, { expectModelId: header.modelId });
  assert.deepEqual(h, header);
  assert.deepEqual(records, inputs.map((r, index) => ({ index, ...r })));
});

Deno.test("reader stream gives the same records for 1-byte, 5-byte and whole-file chunks", async () => {
  const bytes = encodeSqz(header, inputs);
  const whole = await readStream(bytes, bytes.length);
  assert.deepEqual(whole.header, header);
  assert.equal(whole.records.length, 3);
  for (const chunk of [1, 5, 13]) assert.deepEqual(await readStream(bytes, chunk), whole);
});

Deno.test("codes survive the container: encode → .sqz → decode is bit-exact", async () => {
  const rand = mulberry32(31);
  const gapModel = gaussianGapModel();
  const opts = { f: "grad" as const, gapModel };
  const latents = Array.from(
    { length: 20 },
    () => sparseLatent(rand, 8192, randomIndices(rand, 8192, 50)),
  );
  const bytes = await writeStream(
    latents.map((z, i) => ({ code: encodeLatent(z, opts), label: { i } })),
  );
  const { records } = await readStream(bytes, 7);
  for (const r of records) {
    assert.deepEqual(r.label, { i: r.index });
    const expected = decodeLatent(encodeLatent(latents[r.index], opts), 8192, opts);
    assert.deepEqual(decodeLatent(r.code, 8192, opts), expected);
  }
});

Deno.test("flipping any single byte (any bit pattern) makes decoding throw FormatError", async () => {
  const bytes = encodeSqz(
    header,
    inputs.slice(0, 2).concat([{ code: Uint8Array.of(9), label: { a: 1 } }]),
  );
  for (const mask of [0x01, 0x80, 0xff]) {
    for (let p = 0; p < bytes.length; p++) {
      const bad = bytes.slice();
      bad[p] ^= mask;
      assert.throws(() => decodeSqz(bad, { expectModelId: header.modelId }), (e) => {
        assert.ok(e instanceof FormatError, `byte ${p} mask ${mask}: ${e}`);
        return true;
      });
      if (mask === 0xff) await assert.rejects(readStream(bad, 1), FormatError, `stream, byte ${p}`);
    }
  }
});

Deno.test("truncating the file at every length throws FormatError", async () => {
  const bytes = encodeSqz(header, inputs);
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(() => decodeSqz(bytes.subarray(0, n)), FormatError, `length ${n}`);
  }
  // The stream reader reports it too (on flush), also for a cut at a record boundary.
  const cut = bytes.length - 12;
  await assert.rejects(
    readStream(bytes.subarray(0, cut), 3),
    /record 3 at byte \d+: missing end record/,
  );
});

Deno.test("errors name the file, record index and byte offset", () => {
  const bytes = encodeSqz(header, inputs);
  const second = encodeSqzHeader(header).length + 8 + 1 + JSON.stringify(inputs[0].label).length +
    3;
  const bad = bytes.slice();
  bad[second + 4] ^= 1; // the payload of record 1
  assert.throws(() => decodeSqz(bad, { name: "data.sqz" }), {
    name: "FormatError",
    message:
      `data.sqz: record 1 at byte ${second}: CRC mismatch (corrupt, moved, or from another file)`,
  });
  const extra = new Uint8Array(bytes.length + 1);
  extra.set(bytes);
  assert.throws(() => decodeSqz(extra, { name: "data.sqz" }), /1 bytes after the end record/);
  assert.throws(() => decodeSqz(new TextEncoder().encode("hello, world, not sqz")), /bad magic/);
});

Deno.test("model and gap model id mismatches are TrainedModelError and CodecModelError naming both ids", async () => {
  const bytes = encodeSqz(header, inputs);
  const other = Uint8Array.of(0xab, 0xcd);
  assert.throws(() => decodeSqz(bytes, { name: "x.sqz", expectModelId: other }), {
    name: "TrainedModelError",
    message: `x.sqz: made with model ${
      Array.from(header.modelId, (b) => b.toString(16).padStart(2, "0")).join("")
    }, not abcd`,
  });
  assert.throws(() => decodeSqz(bytes, { expectGapModelId: 1 }), CodecModelError);
  const reader = new SqzReaderStream({ expectModelId: other });
  const piped = Array.fromAsync(ReadableStream.from([bytes]).pipeThrough(reader));
  await assert.rejects(piped, ModelError);
  await assert.rejects(reader.header, ModelError);
});

Deno.test("header round-trips every field combination and rejects a future version", () => {
  for (const f of ["z", "grad"] as const) {
    for (const quant of ["fp16", "bf16", "fp8"] as const) {
      const h: SqzHeader = {
        ...header,
        f,
        quant,
        modelId: new Uint8Array(0),
        ell: 2 ** 20,
        height: 1,
        width: 65535,
      };
      assert.deepEqual(decodeSqzHeader(encodeSqzHeader(h), "t"), h);
    }
  }
  const bytes = encodeSqzHeader(header);
  bytes[4] = 3;
  assert.throws(() => decodeSqzHeader(bytes, "t"), /version 3 is not supported/);
  assert.throws(() => encodeSqzHeader({ ...header, height: 0 }), FormatError);
});

/** A version-1 file as written before version 2 existed (model id ab cd, one record). */
const V1_FILE =
  "8953515a01001e0000000002080008000400000007000000abcdf00ec2670f0000000b7b22696e6465" +
  "78223a307d0102039c1b485800000000010000000cb89edd";

Deno.test("a version-1 file written before version 2 existed still decodes, byte for byte", () => {
  const bytes = Uint8Array.from(V1_FILE.match(/../g)!, (h) => parseInt(h, 16));
  const { header: h, records } = decodeSqz(bytes, { expectModelId: Uint8Array.of(0xab, 0xcd) });
  assert.equal(h.records, undefined);
  assert.deepEqual([h.height, h.width, h.ell, h.gapModelId, h.f, h.quant], [
    8,
    8,
    4,
    7,
    "z",
    "fp16",
  ]);
  assert.deepEqual(records, [{ index: 0, code: Uint8Array.of(1, 2, 3), label: { index: 0 } }]);
  assert.deepEqual(encodeSqzHeader(h, 1), bytes.subarray(0, 30));
  assert.equal(encodeSqzHeader(h)[4], 2, "new files are version 2");
});

Deno.test("a bounded header is version 2 with a record-kind byte; ell may be 0 only without a model", () => {
  const free: SqzHeader = {
    modelId: new Uint8Array(0),
    height: 64,
    width: 64,
    dtype: "float32",
    ell: 0,
    f: "z",
    quant: "fp16",
    gapModelId: 0,
    records: "bounded",
  };
  const bytes = encodeSqzHeader(free);
  assert.equal(bytes[4], 2);
  assert.equal(bytes.length, 24 + 1 + 4);
  assert.equal(bytes[24], 1);
  assert.deepEqual(decodeSqzHeader(bytes, "t"), free);
  const withModel = { ...free, modelId: Uint8Array.of(1, 2, 3), ell: 16 };
  assert.deepEqual(decodeSqzHeader(encodeSqzHeader(withModel), "t"), withModel);
  assert.throws(() => encodeSqzHeader({ ...withModel, ell: 0 }), /ell = 0/);
  assert.throws(() => encodeSqzHeader({ ...free, records: undefined }), /ell = 0/);
  const packed = { ...withModel, records: "sparse" as const, packedLabels: true };
  const packedBytes = encodeSqzHeader(packed);
  assert.equal(packedBytes[4], 2);
  assert.equal(packedBytes[24 + 3], 0x80);
  // "sparse" is the default kind and stays absent when read back
  const { records: _bounded, ...sparse } = withModel;
  assert.deepEqual(decodeSqzHeader(packedBytes, "t"), { ...sparse, packedLabels: true });
  bytes[24] = 9; // an unknown record kind, with a CRC that matches
  new DataView(bytes.buffer).setUint32(25, crc32(bytes.subarray(0, 25)), true);
  assert.throws(
    () => decodeSqzHeader(bytes, "t.sqz"),
    /^FormatError: t\.sqz: header: unknown records code 9$/,
  );
});

/** The byte ranges of each record of an encoded file (header, records, end). */
function split(bytes: Uint8Array): { head: Uint8Array; records: Uint8Array[]; end: Uint8Array } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLength = v.getUint16(6, true);
  const records = [];
  let p = headLength;
  for (let n = v.getUint32(p, true); n > 0; n = v.getUint32(p, true)) {
    records.push(bytes.slice(p, p + n + 8));
    p += n + 8;
  }
  return { head: bytes.slice(0, headLength), records, end: bytes.slice(p) };
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) at += (out.set(x, at), x.length);
  return out;
}

Deno.test("records swapped, repeated or dropped (count fixed), from another quantizer or another file fail their CRC", () => {
  const many = [0, 1, 2, 3].map((i) => ({ code: Uint8Array.of(i + 1, 7), label: { index: i } }));
  const { head, records, end } = split(encodeSqz(header, many));
  const withCount = (n: number) => split(encodeSqz(header, many.slice(0, n))).end;
  const cases: [Uint8Array, RegExp][] = [
    [
      join([head, records[1], records[0], records[2], records[3], end]),
      /record 0 at byte \d+: CRC mismatch/,
    ],
    [
      join([head, records[0], records[0], records[2], records[3], end]),
      /record 1 at byte \d+: CRC mismatch/,
    ],
    [
      join([head, records[0], records[2], records[3], withCount(3)]),
      /record 1 at byte \d+: CRC mismatch/,
    ],
    [
      join([head, records[0], records[1], records[2], withCount(4)]),
      /record 3 at byte \d+: end record CRC mismatch/,
    ],
  ];
  const bf16 = split(encodeSqz({ ...header, quant: "bf16" }, many));
  // a record of another file with the same header, at the same index: refused at the end record
  const twin = split(encodeSqz(header, many.map((m) => ({ ...m, code: Uint8Array.of(9, 9) }))));
  cases.push([
    join([head, records[0], twin.records[1], records[2], records[3], end]),
    /record 4 at byte \d+: end record CRC mismatch/,
  ]);
  cases.push([
    join([head, bf16.records[0], ...records.slice(1), end]),
    /record 0 at byte \d+: CRC mismatch/,
  ]);
  for (const [bytes, message] of cases) {
    assert.throws(
      () => decodeSqz(bytes, { name: "m.sqz" }),
      (e: Error) => e instanceof FormatError && message.test(e.message),
      `expected ${message}`,
    );
  }
  assert.deepEqual(
    decodeSqz(join([head, ...records, end])).records.map((r) => r.label),
    many.map((m) => m.label),
  );
});

Deno.test("a version-1 file (records not bound to the header) still decodes", () => {
  const v1 = encodeSqz(header, inputs, 1);
  assert.equal(new DataView(v1.buffer).getUint16(4, true), 1);
  const back = decodeSqz(v1, { name: "old.sqz" });
  assert.deepEqual(
    back.records.map((r) => Array.from(r.code)),
    inputs.map((i) => Array.from(i.code)),
  );
  assert.deepEqual(back.header, header);
});
