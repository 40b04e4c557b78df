import assert from "node:assert/strict";
import { chooseKernels, describeKernels, forcedKernels } from "../../models/kernel_choice.ts";
import { openBlasCandidates } from "../../models/openblas.ts";
import { UsageError } from "../../pipeline/errors.ts";

/** Runs `f` with the environment variable `name` set to `value` (unset when undefined). */
function withEnv<T>(name: string, value: string | undefined, f: () => T): T {
  const before = Deno.env.get(name);
  if (value === undefined) Deno.env.delete(name);
  else Deno.env.set(name, value);
  try {
    return f();
  } finally {
    if (before === undefined) Deno.env.delete(name);
    else Deno.env.set(name, before);
  }
}

Deno.test("the OpenBLAS search names this OS's libraries only", () => {
  const paths = withEnv("SASQUASH_OPENBLAS", undefined, openBlasCandidates);
  const suffix = { linux: ".so.0", darwin: ".dylib", windows: ".dll" }[Deno.build.os as string];
  assert.ok(paths.length > 0);
  if (suffix) assert.ok(paths.every((path) => path.endsWith(suffix)), paths.join(", "));
  assert.deepEqual(withEnv("SASQUASH_OPENBLAS", "/x/libopenblas.so", openBlasCandidates), [
    "/x/libopenblas.so",
  ]);
});

Deno.test("SASQUASH_KERNELS forces a family and rejects an unknown one naming the variable", () => {
  assert.equal(withEnv("SASQUASH_KERNELS", "portable", forcedKernels), "portable");
  assert.equal(withEnv("SASQUASH_KERNELS", "", forcedKernels), undefined);
  assert.throws(() => withEnv("SASQUASH_KERNELS", "blas", forcedKernels), (error: Error) => {
    assert.ok(error instanceof UsageError);
    assert.match(
      error.message,
      /SASQUASH_KERNELS: expected one of openblas, portable, stock, got "blas"/,
    );
    return true;
  });
});

Deno.test("a forced family is used and the reason says it was forced", () => {
  const portable = chooseKernels("portable");
  assert.equal(portable.kernels, "portable");
  assert.equal(
    describeKernels(portable),
    "portable WebAssembly SIMD kernels (SASQUASH_KERNELS=portable)",
  );
  const c = new Float32Array(1);
  portable.sgemm!(false, false, 1, 1, 2, Float32Array.of(2, 3), Float32Array.of(5, 7), c);
  assert.equal(c[0], 31);
  const stock = chooseKernels("stock");
  assert.equal(stock.kernels, "stock");
  assert.equal(stock.sgemm, null);
});

// .ci/run installs libopenblas0-pthread, so the default choice is OpenBLAS, found on the path list.
Deno.test("with libopenblas installed the default is OpenBLAS, naming the file it loaded", () => {
  const choice = withEnv("SASQUASH_KERNELS", undefined, () => chooseKernels());
  assert.equal(choice.kernels, "openblas");
  assert.match(choice.reason, /^(found|SASQUASH_OPENBLAS) \S*libopenblas/);
});
