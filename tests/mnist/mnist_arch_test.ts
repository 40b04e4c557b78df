import assert from "node:assert/strict";
import { parseArchList, resolveSpec } from "../../mnist/mnist_arch.ts";
import { UsageError } from "../../pipeline/errors.ts";

Deno.test("parseArchList reads the paper's (m/n, ℓ/n, λ, f) entries, fractions included", () => {
  const specs = parseArchList("1/2,1/4,0,z; (4, 8, 3200, grad)");
  assert.deepEqual(specs, [
    { label: "(1/2, 1/4, 0, z)", mRatio: 0.5, ellRatio: 0.25, lambda: 0, f: "z" },
    { label: "(4, 8, 3200, grad)", mRatio: 4, ellRatio: 8, lambda: 3200, f: "grad" },
  ]);
  const arch = resolveSpec(specs[0], 784);
  assert.deepEqual([arch.n, arch.m, arch.ell, arch.lambda, arch.f], [784, 392, 196, 0, "z"]);
});

Deno.test("parseArchList rejects malformed entries, naming the flag and the entry", () => {
  for (const bad of ["", "1,2,0", "1,2,-1,z", "0,2,0,z", "1/0/2,2,0,z", "1,2,0,l2", "1,x,0,z"]) {
    assert.throws(
      () => parseArchList(bad),
      (e) => e instanceof UsageError && e.message.startsWith("--arch"),
      bad,
    );
  }
});
