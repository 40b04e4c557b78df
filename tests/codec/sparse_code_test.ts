import assert from "node:assert/strict";
import { FormatError, UsageError } from "../../pipeline/errors.ts";
import { gapHistogram, gaussianGapModel, learnedGapModel } from "../../codec/gap_model.ts";
import { MAX_TOTAL } from "../../codec/range_coder.ts";
import {
  codedIndices,
  type CodeStats,
  decodeLatent,
  encodeLatent,
  quantizeLatent,
  type SparseCodeOptions,
} from "../../codec/sparse_code.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { randomIndices, sparseLatent } from "../fixtures/synthetic_codes.ts";

const gapModel = gaussianGapModel(1e3, 1024);

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function assertRoundTrip(z: Float32Array, opts: SparseCodeOptions): Uint8Array {
  const bytes = encodeLatent(z, opts);
  const decoded = decodeLatent(bytes, z.length, opts);
  assert.deepEqual(bits(decoded), bits(quantizeLatent(z, opts)));
  return bytes;
}

Deno.test("f=z decodes to f16round(z) at |z| > threshold and +0 elsewhere", () => {
  const rand = mulberry32(21);
  const z = new Float32Array(8192);
  for (let i = 0; i < z.length; i++) {
    z[i] = rand() < 0.01 ? (rand() - 0.5) * 20 : (rand() - 0.5) * 1e-3;
  }
  const opts: SparseCodeOptions = { f: "z", threshold: 1e-3, gapModel };
  const decoded = decodeLatent(encodeLatent(z, opts), z.length, opts);
  for (let i = 0; i < z.length; i++) {
    const expected = Math.abs(z[i]) > 1e-3 ? Math.f16round(z[i]) : 0;
    assert.ok(Object.is(decoded[i], expected), `index ${i}: ${decoded[i]} vs ${expected}`);
  }
});

Deno.test("f=z edge codes round-trip: empty, first, last, all ℓ entries, ℓ = 2^20 gaps", () => {
  for (const quant of ["fp16", "bf16", "fp8"] as const) {
    const opts: SparseCodeOptions = { f: "z", quant, gapModel };
    assert.ok(assertRoundTrip(new Float32Array(8192), opts).length <= 1);
    const first = new Float32Array(8192);
    first[0] = -3.25;
    assertRoundTrip(first, opts);
    const last = new Float32Array(8192);
    last[8191] = 7;
    assertRoundTrip(last, opts);
    assertRoundTrip(Float32Array.from({ length: 8192 }, (_, i) => 1 + (i % 97)), opts);
    const huge = new Float32Array(2 ** 20);
    huge[2 ** 20 - 1] = 1;
    assertRoundTrip(huge, opts);
    huge[0] = 2;
    huge[2 ** 19] = 3;
    assertRoundTrip(huge, opts);
  }
});

Deno.test("10k random sparse codes round-trip bit-exactly in both modes", () => {
  const rand = mulberry32(22);
  for (let t = 0; t < 10000; t++) {
    const idx = randomIndices(rand, 8192, 1 + rand() * 200);
    const z = sparseLatent(rand, 8192, idx);
    const f = t % 2 === 0 ? "z" : "grad";
    const quant = (["fp16", "bf16", "fp8"] as const)[t % 3];
    const bytes = assertRoundTrip(z, { f, quant, gapModel, threshold: t % 5 === 0 ? 0.05 : 0 });
    if (f === "z" && t % 5 !== 0 && quant !== "fp8") {
      assert.equal(codedIndices(z, { f }).length, idx.length);
    }
    assert.ok(bytes.length > 0 || idx.length === 0);
  }
});

Deno.test("grad mode is closed-loop: error ≤ max(threshold, |e − Q(e)|) + one float32 ulp", () => {
  const rand = mulberry32(23);
  const z = new Float32Array(8192);
  let level = 0;
  for (let i = 0; i < z.length; i++) {
    if (rand() < 0.01) level += (rand() - 0.5) * 10; // piecewise constant: few jumps
    z[i] = level + (rand() - 0.5) * 1e-3;
  }
  for (const quant of ["fp16", "bf16", "fp8"] as const) {
    const opts: SparseCodeOptions = { f: "grad", quant, threshold: 0.01, gapModel };
    assertRoundTrip(z, opts);
    const zhat = quantizeLatent(z, opts);
    const rel = { fp16: 2 ** -11, bf16: 2 ** -8, fp8: 2 ** -4 }[quant];
    let prev = 0;
    let maxErr = 0;
    for (let i = 0; i < z.length; i++) {
      const e = Math.fround(z[i] - prev);
      const bound = Math.max(0.01, Math.abs(e) * rel) + Math.abs(zhat[i]) * 2 ** -23 + 1e-30;
      const err = Math.abs(z[i] - zhat[i]);
      assert.ok(err <= bound, `${quant} index ${i}: error ${err} > ${bound}`);
      maxErr = Math.max(maxErr, err);
      prev = zhat[i];
    }
    if (quant === "fp16") assert.ok(maxErr <= 0.011, `fp16 max error ${maxErr}`);
  }
});

Deno.test("grad mode codes only the jumps of a piecewise-constant latent", () => {
  const z = new Float32Array(8192);
  z.fill(1.5, 100, 200);
  z.fill(-2, 5000);
  const opts: SparseCodeOptions = { f: "grad", gapModel };
  assert.deepEqual(Array.from(codedIndices(z, opts)), [100, 200, 5000]);
  const stats = {} as CodeStats;
  const bytes = encodeLatent(z, opts, stats);
  assert.equal(stats.nonZeros, 3);
  assert.equal(stats.valueBytes, 6);
  assert.equal(stats.bytes, bytes.length);
  assert.equal(stats.gapBytes + stats.valueBytes, bytes.length);
  assert.deepEqual(decodeLatent(bytes, 8192, opts), z); // all values are exact in fp16
});

Deno.test("encodeLatent's indices buffer gets codedIndices and leaves the bytes unchanged", () => {
  const rand = mulberry32(26);
  const z = new Float32Array(4096);
  for (let i = 0; i < z.length; i++) {
    z[i] = rand() < 0.02 ? (rand() - 0.5) * 20 : (rand() - 0.5) * 1e-3;
  }
  for (const f of ["z", "grad"] as const) {
    const opts: SparseCodeOptions = { f, threshold: 1e-3, quant: "bf16", gapModel };
    const plain = encodeLatent(z, opts).slice();
    const stats = {} as CodeStats;
    const indices = new Int32Array(z.length + 3).fill(-7);
    const bytes = encodeLatent(z, opts, stats, indices);
    assert.deepEqual(bytes, plain);
    const expected = codedIndices(z, opts);
    assert.ok(expected.length > 10 && expected.length < z.length / 2, `${expected.length}`);
    assert.equal(stats.nonZeros, expected.length);
    assert.deepEqual(indices.subarray(0, stats.nonZeros), expected);
    assert.ok(indices.subarray(stats.nonZeros).every((v) => v === -7));
  }
  assert.throws(() => encodeLatent(z, { gapModel }, undefined, new Int32Array(10)), UsageError);
});

Deno.test("code size is within 4 bytes of the model's information content", () => {
  const rand = mulberry32(24);
  const idxs = Array.from({ length: 200 }, () => randomIndices(rand, 8192, 50));
  const h = gapHistogram(idxs, 1024);
  const learned = learnedGapModel(h.gapCounts, h.endCount, h.escapeCount);
  for (const model of [gapModel, learned]) {
    const cf = model.cumFreq;
    let totalBytes = 0;
    let totalBits = 0;
    for (const idx of idxs.slice(0, 50)) {
      const z = sparseLatent(rand, 8192, idx);
      let infoBits = 16 * idx.length + Math.log2(MAX_TOTAL / cf[1]);
      let prev = -1;
      for (const i of idx) {
        const g = i - prev;
        prev = i;
        const s = g <= model.maxGap ? g : model.maxGap + 1;
        infoBits += Math.log2(MAX_TOTAL / (cf[s + 1] - cf[s]));
        if (g > model.maxGap) infoBits += 2 * Math.floor(Math.log2(g - model.maxGap)) + 1;
      }
      const n = encodeLatent(z, { gapModel: model }).length;
      assert.ok(n <= Math.ceil(infoBits / 8) + 4, `${n} bytes vs ${infoBits} bits`);
      totalBytes += n;
      totalBits += infoBits;
    }
    assert.ok(totalBytes >= totalBits / 8 - 50 * 4);
  }
});

Deno.test("NaN and Infinity in the latent are rejected with FormatError naming the index", () => {
  for (const bad of [NaN, Infinity]) {
    const z = new Float32Array(100);
    z[42] = bad;
    for (const f of ["z", "grad"] as const) {
      assert.throws(() => encodeLatent(z, { f, gapModel }), /index 42/);
      assert.throws(() => quantizeLatent(z, { f }), FormatError);
    }
  }
  assert.throws(() => encodeLatent(new Float32Array(4), { gapModel, threshold: -1 }), UsageError);
});

Deno.test("decodeLatent rejects codes that do not fit ℓ, trailing bytes and garbage", () => {
  const z = new Float32Array(1000);
  z[900] = 1;
  const opts: SparseCodeOptions = { gapModel };
  const bytes = encodeLatent(z, opts);
  assert.throws(() => decodeLatent(bytes, 900, opts), /index 900 beyond/);
  const extra = new Uint8Array(bytes.length + 5);
  extra.set(bytes);
  extra[bytes.length + 4] = 9;
  assert.throws(() => decodeLatent(extra, 1000, opts), FormatError);
  const rand = mulberry32(25);
  for (let t = 0; t < 3000; t++) {
    const garbage = Uint8Array.from(
      { length: 1 + Math.floor(rand() * 40) },
      () => Math.floor(rand() * 256),
    );
    try {
      decodeLatent(garbage, 8192, { f: t % 2 ? "z" : "grad", gapModel });
    } catch (e) {
      assert.ok(e instanceof FormatError, String(e));
    }
  }
});
