import assert from "node:assert/strict";
import { openBlas, sgemm } from "../../models/openblas.ts";

const MAPS = "/proc/self/maps";
const onLinux = Deno.build.os === "linux";

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

Deno.test({
  name: "libopenblas stays loaded after the runtime that opened it ends",
  ignore: !onLinux || openBlas() === null,
  async fn() {
    // A fresh process, so no earlier module holds the library: a worker opens it and ends,
    // which makes Deno close its handle. Without the RTLD_NODELETE pin the mapping is gone.
    const url = new URL("../../models/openblas.ts", import.meta.url).href;
    const script = `
      const before = Deno.readTextFileSync("${MAPS}").includes("libopenblas");
      const src = "import { blasThreads } from '${url}'; postMessage(blasThreads());";
      const worker = new Worker(URL.createObjectURL(new Blob([src])), { type: "module" });
      const threads = await new Promise((resolve) => worker.onmessage = (e) => resolve(e.data));
      worker.terminate();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = Deno.readTextFileSync("${MAPS}").includes("libopenblas");
      console.log(JSON.stringify({ before, threads, after }));
    `;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-config", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout).trim();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const result = JSON.parse(text);
    assert.equal(result.before, false);
    assert.ok(result.threads >= 1, text);
    assert.equal(result.after, true, "libopenblas was unloaded with the worker");
  },
});
