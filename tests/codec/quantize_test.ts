import assert from "node:assert/strict";
import { FormatError } from "../../pipeline/errors.ts";
import { bf16, fp16, fp8, quantizerByName } from "../../codec/quantize.ts";

Deno.test("fp16 codes: signed zeros, subnormals, max finite, known bit patterns", () => {
  assert.equal(fp16.quantize(0, 0), 0x0000);
  assert.equal(fp16.quantize(-0, 0), 0x8000);
  assert.equal(fp16.quantize(1, 0), 0x3c00);
  assert.equal(fp16.quantize(-2, 0), 0xc000);
  assert.equal(fp16.quantize(2 ** -24, 0), 0x0001); // smallest subnormal
  assert.equal(fp16.quantize(2 ** -25, 0), 0x0000); // tie → even (zero)
  assert.equal(fp16.quantize(1.5 * 2 ** -24, 0), 0x0002); // tie → even
  assert.equal(fp16.quantize(65504, 0), 0x7bff);
  assert.equal(fp16.dequantize(0x0001), 2 ** -24);
  assert.equal(fp16.dequantize(0x03ff), 1023 * 2 ** -24); // largest subnormal
  assert.equal(fp16.dequantize(0x7bff), 65504);
  assert.ok(Object.is(fp16.dequantize(0x8000), -0));
  assert.equal(fp16.quantize(1 + 2 ** -11, 0), 0x3c00); // tie between 1 and 1+2^-10 → even
  assert.equal(fp16.quantize(1 + 3 * 2 ** -11, 0), 0x3c02);
});

Deno.test("bf16 codes: rounding to nearest even on the dropped 16 bits, subnormals, max", () => {
  assert.equal(bf16.quantize(1, 0), 0x3f80);
  assert.equal(bf16.quantize(-0, 0), 0x8000);
  assert.equal(bf16.quantize(1 + 2 ** -8, 0), 0x3f80); // tie → even
  assert.equal(bf16.quantize(1 + 3 * 2 ** -8, 0), 0x3f82); // tie → even (up)
  assert.equal(bf16.quantize(1 + 2 ** -8 + 2 ** -20, 0), 0x3f81); // above the tie
  assert.equal(bf16.quantize(2 ** -133, 0), 0x0001); // smallest bf16 subnormal
  assert.equal(bf16.dequantize(0x0001), 2 ** -133);
  assert.equal(bf16.dequantize(0x7f7f), (2 - 2 ** -7) * 2 ** 127);
  assert.equal(bf16.dequantize(0xc040), -3);
});

Deno.test("fp8 e4m3 codes: zeros, subnormals, 448 max, ties to even", () => {
  assert.equal(fp8.quantize(0, 0), 0x00);
  assert.equal(fp8.quantize(-0, 0), 0x80);
  assert.equal(fp8.quantize(1, 0), 0x38); // exponent 7 (bias 7), mantissa 0
  assert.equal(fp8.quantize(448, 0), 0x7e);
  assert.equal(fp8.quantize(-448, 0), 0xfe);
  assert.equal(fp8.quantize(2 ** -9, 0), 0x01); // smallest subnormal
  assert.equal(fp8.quantize(2 ** -10, 0), 0x00); // tie → even (zero)
  assert.ok(Object.is(fp8.dequantize(fp8.quantize(-(2 ** -11), 0)), -0)); // underflow keeps sign
  assert.equal(fp8.quantize(1.0625, 0), 0x38); // tie between 1 and 1.125 → even code
  assert.equal(fp8.quantize(1.1875, 0), 0x3a); // tie between 1.125 and 1.25 → even code
  assert.equal(fp8.dequantize(0x07), 7 * 2 ** -9); // largest subnormal
  assert.equal(fp8.dequantize(0x08), 2 ** -6); // smallest normal
  assert.equal(fp8.dequantize(0xb9), -1.125);
});

Deno.test("overflow saturates to ± max finite instead of infinity", () => {
  for (const [q, max] of [[fp16, 65504], [bf16, (2 - 2 ** -7) * 2 ** 127], [fp8, 448]] as const) {
    for (const x of [max * 1.5, -max * 1.5, 1e300, -1e300]) {
      const y = q.dequantize(q.quantize(x, 0));
      assert.equal(y, Math.sign(x) * max, `${q.name}(${x})`);
    }
  }
  assert.equal(fp16.dequantize(fp16.quantize(65519, 0)), 65504); // rounds down anyway
  assert.equal(fp8.dequantize(fp8.quantize(470, 0)), 448);
});

Deno.test("NaN and ±Infinity inputs are rejected with FormatError naming the index", () => {
  for (const q of [fp16, bf16, fp8]) {
    for (const x of [NaN, Infinity, -Infinity]) {
      assert.throws(
        () => q.quantize(x, 1234),
        (e: Error) => e instanceof FormatError && /index 1234/.test(e.message),
      );
    }
  }
});

Deno.test("non-finite codes are rejected on decode; every other code round-trips exactly", () => {
  for (const q of [fp16, bf16, fp8]) {
    let finite = 0;
    for (let code = 0; code < 2 ** q.bits; code++) {
      let v: number;
      try {
        v = q.dequantize(code);
      } catch (e) {
        assert.ok(e instanceof FormatError);
        continue;
      }
      assert.ok(Number.isFinite(v));
      assert.equal(q.quantize(v, 0), code, `${q.name} code ${code.toString(16)}`);
      finite++;
    }
    const expected = { fp16: 65536 - 2 * 1024, bf16: 65536 - 2 * 128, fp8: 256 - 2 }[q.name];
    assert.equal(finite, expected, q.name);
  }
});

Deno.test("quantizers round to the nearest representable value (random float32 inputs)", () => {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (const q of [fp16, bf16, fp8]) {
    for (let k = 0; k < 20000; k++) {
      u[0] = (Math.imul(k + 1, 2654435761) >>> 0) & 0xbfffffff; // keeps exponents finite-ish
      const x = f[0];
      if (!Number.isFinite(x)) continue;
      const code = q.quantize(x, 0);
      const y = q.dequantize(code);
      // Neighbouring codes (same sign) must not be closer to x.
      for (const n of [code - 1, code + 1]) {
        if ((n & (2 ** (q.bits - 1))) !== (code & (2 ** (q.bits - 1))) || n < 0) continue;
        let ny: number;
        try {
          ny = q.dequantize(n);
        } catch {
          continue;
        }
        if (
          Math.abs(x) <= Math.abs(q.dequantize(q.bits === 8 ? 0x7e : q === fp16 ? 0x7bff : 0x7f7f))
        ) {
          assert.ok(Math.abs(ny - x) >= Math.abs(y - x), `${q.name}: ${x} → ${y}, ${ny} closer`);
        }
      }
    }
  }
});

Deno.test("quantizerByName knows fp16, bf16, fp8 and rejects others", () => {
  assert.equal(quantizerByName("fp16"), fp16);
  assert.equal(quantizerByName("bf16"), bf16);
  assert.equal(quantizerByName("fp8"), fp8);
  assert.throws(() => quantizerByName("int4"), FormatError);
});
