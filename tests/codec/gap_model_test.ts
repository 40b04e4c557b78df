import assert from "node:assert/strict";
import { FormatError, ModelError } from "../../pipeline/errors.ts";
import {
  decodeGap,
  encodeEnd,
  encodeGap,
  gapHistogram,
  type GapModel,
  gapModelFromJSON,
  gapModelToJSON,
  gaussianGapModel,
  learnedGapModel,
} from "../../codec/gap_model.ts";
import { MAX_TOTAL, RangeDecoder, RangeEncoder } from "../../codec/range_coder.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";

function roundTrip(model: GapModel, gaps: number[]): number[] {
  const enc = new RangeEncoder();
  for (const g of gaps) encodeGap(enc, model, g);
  encodeEnd(enc, model);
  const dec = new RangeDecoder(enc.finish());
  const out: number[] = [];
  for (let g = decodeGap(dec, model); g !== 0; g = decodeGap(dec, model)) out.push(g);
  dec.finish();
  return out;
}

function freqOf(model: GapModel, symbol: number): number {
  return model.cumFreq[symbol + 1] - model.cumFreq[symbol];
}

Deno.test("gaussian gap model follows exp(-d²/2σ²): frequency ratios match the density", () => {
  const m = gaussianGapModel(1e3, 4096);
  assert.equal(m.cumFreq[m.cumFreq.length - 1], MAX_TOTAL);
  assert.equal(m.cumFreq.length, 4096 + 3);
  // Every symbol gets 1 + ⌊w·B/W⌋ slots, so ratios of large frequencies follow the density.
  const ratio = (freqOf(m, 60) - 1) / (freqOf(m, 2) - 1);
  assert.ok(Math.abs(ratio - Math.exp(-(3600 - 4) / 2000)) < 0.01, `ratio ${ratio}`);
  assert.ok(freqOf(m, 1) >= freqOf(m, 2) && freqOf(m, 2) > freqOf(m, 100));
  assert.equal(freqOf(m, 4000), 1); // the tail is floored at one slot: still codable
});

Deno.test("gap models round-trip gaps: table, escape, maximal ℓ = 2^20 and edge gaps", () => {
  const m = gaussianGapModel(1e3, 256);
  const gaps = [1, 2, 255, 256, 257, 258, 511, 512, 513, 70000, 2 ** 20, 1, 2 ** 20 - 256, 1000];
  assert.deepEqual(roundTrip(m, gaps), gaps);
  assert.deepEqual(roundTrip(m, []), []);
  const rand = mulberry32(11);
  for (let t = 0; t < 2000; t++) {
    const g = Array.from(
      { length: Math.floor(rand() * 30) },
      () => 1 + Math.floor(2 ** (rand() * 20)),
    );
    assert.deepEqual(roundTrip(m, g), g);
  }
});

Deno.test("learned gap model uses add-one smoothing: unseen gaps stay codable and cost more", () => {
  const counts = new Float64Array(101);
  counts[5] = 1000;
  counts[6] = 500;
  const m = learnedGapModel(counts, 100, 0);
  assert.ok(freqOf(m, 5) > freqOf(m, 6) && freqOf(m, 6) > freqOf(m, 7));
  assert.ok(freqOf(m, 7) >= 1 && freqOf(m, 100) === freqOf(m, 7));
  // Weights 1001 : 501 (add-one) survive quantization to within one slot in 2^16.
  assert.ok(Math.abs((freqOf(m, 5) - 1) / (freqOf(m, 6) - 1) - 1001 / 501) < 0.01);
  assert.deepEqual(roundTrip(m, [5, 6, 7, 100, 101, 9999]), [5, 6, 7, 100, 101, 9999]);
});

Deno.test("gapHistogram counts gaps from −1, escapes and codes", () => {
  const h = gapHistogram([Int32Array.of(0, 3, 4), Int32Array.of(), Int32Array.of(20)], 10);
  assert.equal(h.gapCounts[1], 2); // index 0 (from −1) and 3→4
  assert.equal(h.gapCounts[3], 1);
  assert.equal(h.escapeCount, 1); // gap 21 > 10
  assert.equal(h.endCount, 3);
});

Deno.test("gap model JSON round trip gives the identical table and id; tampering is caught", () => {
  const counts = Float64Array.from({ length: 300 }, (_, i) => (i * 7919) % 97);
  const m = learnedGapModel(counts, 50, 3);
  const json = JSON.parse(JSON.stringify(gapModelToJSON(m)));
  const back = gapModelFromJSON(json);
  assert.deepEqual(back.cumFreq, m.cumFreq);
  assert.equal(back.id, m.id);
  assert.equal(back.maxGap, 299);
  json.freqs[3] += 1;
  json.freqs[4] -= 1;
  assert.throws(() => gapModelFromJSON(json), ModelError); // id mismatch
  json.freqs[4] = 0;
  assert.throws(() => gapModelFromJSON(json), ModelError);
  assert.throws(() => gapModelFromJSON({ kind: "x", freqs: [] }), ModelError);
  assert.notEqual(gaussianGapModel(1e3, 299).id, m.id);
});

Deno.test("gaussian gap model is deterministic: pinned table checksum and hand-computed slots", () => {
  const m = gaussianGapModel();
  // 1 + ⌊e^(−1/2000)·61438 / W⌋ with W = Σ_{δ≤4096} e^(−δ²/2000) + e^(−1/2000) + 1e-3·e^(−1/2000).
  let w = 0;
  for (let d = 1; d <= 4096; d++) w += Math.exp(-(d * d) / 2000);
  w += Math.exp(-1 / 2000) * 1.001;
  assert.equal(freqOf(m, 1), 1 + Math.floor((Math.exp(-1 / 2000) * 61438) / w));
  assert.equal(freqOf(m, 1), 1531);
  assert.equal(m.id, 1526955217); // changes iff the table changes: old files would not decode
  assert.equal(gaussianGapModel().id, m.id);
  assert.notEqual(gaussianGapModel(1e3).id, gaussianGapModel(2e3).id);
});

Deno.test("decodeGap rejects an over-long Elias-gamma prefix with FormatError", () => {
  const m = gaussianGapModel(1e3, 16);
  const enc = new RangeEncoder();
  const esc = m.maxGap + 1;
  enc.encode(m.cumFreq[esc], freqOf(m, esc), MAX_TOTAL);
  for (let i = 0; i < 40; i++) enc.encodeBits(0, 1);
  const dec = new RangeDecoder(enc.finish());
  assert.throws(() => decodeGap(dec, m), FormatError);
});
