import assert from "node:assert/strict";
import {
  closePortable,
  loadPortable,
  portableReady,
  portableSgemm,
  portableThreads,
  SGEMM_WASM_URL,
} from "../../models/portable_sgemm.ts";
import { buildSgemm, toolchainMissing } from "../../models/wasm/build.ts";

/**
 * op(A)·op(B) + beta·C in float64, one element at a time: the reference, with each element's
 * Σ|term| (rounding in float32 stays under k·2⁻²⁴·Σ|term|, Higham, "Accuracy and Stability of
 * Numerical Algorithms", 2nd ed., eq. 3.5).
 */
function reference(
  transposeA: boolean,
  transposeB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  beta: number,
): { out: Float64Array; magnitude: Float64Array } {
  const out = new Float64Array(m * n);
  const magnitude = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = beta === 0 ? 0 : beta * c[i * n + j];
      let abs = Math.abs(sum);
      for (let p = 0; p < k; p++) {
        const term = (transposeA ? a[p * m + i] : a[i * k + p]) *
          (transposeB ? b[j * k + p] : b[p * n + j]);
        sum += term;
        abs += Math.abs(term);
      }
      out[i * n + j] = sum;
      magnitude[i * n + j] = abs;
    }
  }
  return { out, magnitude };
}

/** Deterministic values in [−1, 1). */
const values = (count: number, seed: number) =>
  Float32Array.from({ length: count }, (_, i) => ((i * 7919 + seed * 104729) % 2003) / 1001.5 - 1);

Deno.test("portableSgemm multiplies row-major matrices with and without transposes", () => {
  // A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[1, 0], [0, 1], [1, 1]] (3×2): A·B = [[4, 5], [10, 11]].
  const a = Float32Array.of(1, 2, 3, 4, 5, 6);
  const b = Float32Array.of(1, 0, 0, 1, 1, 1);
  const c = new Float32Array(4);
  portableSgemm(false, false, 2, 2, 3, a, b, c);
  assert.deepEqual([...c], [4, 5, 10, 11]);
  const at = Float32Array.of(1, 4, 2, 5, 3, 6);
  const bt = Float32Array.of(1, 0, 1, 0, 1, 1);
  portableSgemm(true, true, 2, 2, 3, at, bt, c);
  assert.deepEqual([...c], [4, 5, 10, 11]);
  portableSgemm(false, false, 2, 2, 3, a, b, c, 1);
  assert.deepEqual([...c], [8, 10, 20, 22]);
  // k = 0 is an empty sum: C = beta·C.
  portableSgemm(false, false, 2, 2, 0, a, b, c, 0.5);
  assert.deepEqual([...c], [4, 5, 10, 11]);
});

Deno.test("portableSgemm matches a float64 reference across tile and block edges", () => {
  // 131, 517 and 301 cross the 4×8 tile, the 128-row and 512-column blocks, the 256 depth and
  // the 4-deep vector packing.
  const shapes: [number, number, number][] = [[131, 517, 301], [3, 9, 600], [64, 20, 1]];
  for (const [m, n, k] of shapes) {
    for (
      const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]
    ) {
      for (const beta of [0, 0.5]) {
        const a = values(m * k, 1), b = values(k * n, 2), c = values(m * n, 3);
        const { out, magnitude } = reference(transposeA, transposeB, m, n, k, a, b, c, beta);
        portableSgemm(transposeA, transposeB, m, n, k, a, b, c, beta);
        let worst = 0;
        for (let i = 0; i < c.length; i++) {
          worst = Math.max(worst, Math.abs(c[i] - out[i]) / ((k + 2) * 2 ** -24 * magnitude[i]));
        }
        assert.ok(
          worst <= 1,
          `${m}×${n}×${k} tA=${transposeA} tB=${transposeB} β=${beta}: ${worst}`,
        );
      }
    }
  }
});

Deno.test("portableSgemm writes only C's m·n values and reads operands from subarrays", () => {
  const a = values(40, 4), b = values(40, 5);
  const c = new Float32Array(12).fill(7);
  portableSgemm(false, false, 2, 5, 4, a.subarray(8, 16), b.subarray(20), c.subarray(1, 11));
  const expected = reference(false, false, 2, 5, 4, a.subarray(8, 16), b.subarray(20), c, 0).out;
  assert.equal(c[0], 7);
  assert.equal(c[11], 7);
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(c[1 + i] - expected[i]) < 1e-5);
});

Deno.test("portableSgemm refuses arrays too short for the sizes instead of overrunning them", () => {
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  assert.throws(() => portableSgemm(false, false, 2, 2, 3, a, b, new Float32Array(3)), /too short/);
  assert.throws(() => portableSgemm(false, false, 2, 2, 3, a.subarray(1), b, new Float32Array(4)), {
    name: "RangeError",
  });
});

Deno.test("portableSgemm gives the same bits on 1 and on 3 threads, split by rows or columns", async () => {
  const shapes: [number, number, number][] = [[64, 700, 300], [700, 64, 300]];
  const run = async (threads: number) => {
    await closePortable();
    assert.ok(loadPortable(threads));
    assert.ok(await portableReady());
    assert.equal(portableThreads(), threads);
    return shapes.map(([m, n, k]) => {
      const c = new Float32Array(m * n);
      portableSgemm(false, true, m, n, k, values(m * k, 6), values(k * n, 7), c);
      return c;
    });
  };
  const one = await run(1);
  const three = await run(3);
  await closePortable();
  shapes.forEach((shape, s) => assert.deepEqual(three[s], one[s], `${shape}`));
  assert.ok(one[0].some((v) => v !== 0));
});

// Skipped, with the reason in its name (visible under --quiet), where clang 14.0.6 is absent.
const missing = await toolchainMissing();

Deno.test({
  name: "the committed sgemm.wasm is what models/wasm/build.ts builds from sgemm.c" +
    (missing ? ` (skipped: ${missing})` : ""),
  ignore: missing !== null,
  fn: async () => {
    const committed = await Deno.readFile(SGEMM_WASM_URL);
    const rebuilt = await buildSgemm();
    assert.equal(
      rebuilt.length,
      committed.length,
      "rebuild with: deno run -A models/wasm/build.ts",
    );
    assert.ok(
      rebuilt.every((byte, i) => byte === committed[i]),
      "sgemm.wasm differs from a rebuild",
    );
  },
});
