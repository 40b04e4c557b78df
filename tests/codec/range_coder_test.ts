import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { MAX_TOTAL, RangeDecoder, RangeEncoder } from "../../codec/range_coder.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";

/** A skewed table over `n` symbols summing to MAX_TOTAL. */
function skewedTable(n: number): Uint32Array {
  const cf = new Uint32Array(n + 1);
  let left = MAX_TOTAL;
  for (let s = 0; s < n; s++) {
    const f = s === n - 1 ? left : Math.max(1, Math.floor(left / 2) - (n - s));
    cf[s + 1] = cf[s] + f;
    left -= f;
  }
  return cf;
}

function encodeSymbols(cf: Uint32Array, symbols: ArrayLike<number>): Uint8Array {
  const enc = new RangeEncoder(16);
  for (let k = 0; k < symbols.length; k++) {
    const s = symbols[k];
    enc.encode(cf[s], cf[s + 1] - cf[s], MAX_TOTAL);
  }
  return enc.finish();
}

function decodeSymbols(cf: Uint32Array, bytes: Uint8Array, count: number): number[] {
  const dec = new RangeDecoder(bytes);
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const slot = dec.decodeSlot(MAX_TOTAL);
    let s = 0;
    while (cf[s + 1] <= slot) s++;
    dec.consume(cf[s], cf[s + 1] - cf[s]);
    out.push(s);
  }
  dec.finish();
  return out;
}

Deno.test("range coder round-trips 2000 random symbol sequences under a skewed table", () => {
  const rand = mulberry32(1);
  const cf = skewedTable(12);
  for (let t = 0; t < 2000; t++) {
    const symbols = Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 12));
    assert.deepEqual(decodeSymbols(cf, encodeSymbols(cf, symbols), symbols.length), symbols);
  }
});

Deno.test("range coder output size is within 4 bytes of the information content", () => {
  const rand = mulberry32(2);
  const cf = skewedTable(12);
  const symbols = Array.from({ length: 5000 }, () => (rand() < 0.9 ? 0 : Math.floor(rand() * 12)));
  let bits = 0;
  for (const s of symbols) bits += Math.log2(MAX_TOTAL / (cf[s + 1] - cf[s]));
  const bytes = encodeSymbols(cf, symbols);
  assert.ok(bytes.length <= Math.ceil(bits / 8) + 4, `${bytes.length} bytes for ${bits} bits`);
  assert.ok(bytes.length >= Math.floor(bits / 8) - 4, `${bytes.length} bytes for ${bits} bits`);
});

Deno.test("range coder carries through runs of 0xff bytes (always-last symbol)", () => {
  // The top symbol of a table pushes low up to the interval's end, forcing carries.
  const cf = Uint32Array.of(0, 1, MAX_TOTAL);
  const rand = mulberry32(3);
  for (let t = 0; t < 300; t++) {
    const symbols = Array.from(
      { length: 1 + Math.floor(rand() * 300) },
      () => (rand() < 0.98 ? 1 : 0),
    );
    assert.deepEqual(decodeSymbols(cf, encodeSymbols(cf, symbols), symbols.length), symbols);
  }
});

Deno.test("range coder raw bits round-trip mixed with symbols", () => {
  const rand = mulberry32(4);
  const cf = skewedTable(5);
  const enc = new RangeEncoder();
  const ops: [number, number][] = [];
  for (let k = 0; k < 3000; k++) {
    const nbits = 1 + Math.floor(rand() * 16);
    const value = Math.floor(rand() * 2 ** nbits);
    ops.push([nbits, value]);
    enc.encodeBits(value, nbits);
    enc.encode(cf[k % 5], cf[(k % 5) + 1] - cf[k % 5], MAX_TOTAL);
  }
  const dec = new RangeDecoder(enc.finish());
  for (let k = 0; k < ops.length; k++) {
    assert.equal(dec.decodeBits(ops[k][0]), ops[k][1]);
    const slot = dec.decodeSlot(MAX_TOTAL);
    assert.ok(slot >= cf[k % 5] && slot < cf[(k % 5) + 1]);
    dec.consume(cf[k % 5], cf[(k % 5) + 1] - cf[k % 5]);
  }
  dec.finish();
});

Deno.test("range coder writes no bytes for a single zero-start symbol and the encoder is reusable", () => {
  const enc = new RangeEncoder();
  enc.encode(0, MAX_TOTAL / 2, MAX_TOTAL);
  assert.equal(enc.finish().length, 0);
  enc.reset();
  enc.encodeBits(0xabcd, 16);
  const bytes = enc.finish();
  assert.equal(new RangeDecoder(bytes).decodeBits(16), 0xabcd);
});

Deno.test("range decoder rejects trailing bytes and reading far past the end", () => {
  const cf = skewedTable(12);
  const bytes = encodeSymbols(cf, [3, 4, 5, 6]);
  const padded = new Uint8Array(bytes.length + 6);
  padded.set(bytes);
  padded[bytes.length + 5] = 1;
  assert.throws(() => decodeSymbols(cf, padded, 4), FormatError);
  assert.throws(() => decodeSymbols(cf, bytes, 400), FormatError);
});

Deno.test("range decoder on random garbage throws only FormatError", () => {
  const rand = mulberry32(5);
  const cf = Uint32Array.of(0, 30000, 60000, 65000); // slots ≥ 65000 are outside the table
  let failures = 0;
  for (let t = 0; t < 500; t++) {
    const garbage = Uint8Array.from({ length: 8 }, () => Math.floor(rand() * 256));
    try {
      const dec = new RangeDecoder(garbage);
      for (let k = 0; k < 1000; k++) {
        const slot = dec.decodeSlot(MAX_TOTAL);
        let s = 0;
        while (s < 3 && cf[s + 1] <= slot) s++;
        if (s === 3) throw new FormatError("outside");
        dec.consume(cf[s], cf[s + 1] - cf[s]);
      }
    } catch (e) {
      assert.ok(e instanceof FormatError, String(e));
      failures++;
    }
  }
  assert.equal(failures, 500);
});
