import assert from "node:assert/strict";
import { sgemm } from "../../models/openblas.ts";

Deno.test("sgemm multiplies row-major matrices with and without transposes", () => {
  // A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[1, 0], [0, 1], [1, 1]] (3×2): A·B = [[4, 5], [10, 11]].
  const a = Float32Array.of(1, 2, 3, 4, 5, 6);
  const b = Float32Array.of(1, 0, 0, 1, 1, 1);
  const c = new Float32Array(4);
  sgemm(false, false, 2, 2, 3, a, b, c);
  assert.deepEqual([...c], [4, 5, 10, 11]);
  // Aᵀ stored as 3×2 and Bᵀ stored as 2×3 give the same product.
  const at = Float32Array.of(1, 4, 2, 5, 3, 6);
  const bt = Float32Array.of(1, 0, 1, 0, 1, 1);
  sgemm(true, true, 2, 2, 3, at, bt, c);
  assert.deepEqual([...c], [4, 5, 10, 11]);
  // beta = 1 accumulates into C.
  sgemm(false, false, 2, 2, 3, a, b, c, 1);
  assert.deepEqual([...c], [8, 10, 20, 22]);
});

Deno.test("sgemm refuses arrays too short for the sizes instead of overrunning them", () => {
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  assert.throws(() => sgemm(false, false, 2, 2, 3, a, b, new Float32Array(3)), /too short/);
  assert.throws(() => sgemm(false, false, 2, 2, 3, a.subarray(1), b, new Float32Array(4)), {
    name: "RangeError",
  });
  assert.throws(() => sgemm(false, false, 2, 2, 3, a, b.subarray(0, 5), new Float32Array(4)), {
    name: "RangeError",
  });
});
