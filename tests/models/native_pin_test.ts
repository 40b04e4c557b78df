import assert from "node:assert/strict";
import { openBlas } from "../../models/openblas.ts";
import { pinGpuDrivers } from "../../models/_native_pin.ts";

const MAPS = "/proc/self/maps";
const onLinux = Deno.build.os === "linux";

/** Runs `script` in a fresh Deno process (no module of this one holds its libraries). */
async function fresh(script: string): Promise<Record<string, unknown>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

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
    const result = await fresh(script);
    assert.equal(result.before, false);
    assert.ok((result.threads as number) >= 1, JSON.stringify(result));
    assert.equal(result.after, true, "libopenblas was unloaded with the worker");
  },
});

const adapter = onLinux && "gpu" in navigator
  ? await navigator.gpu.requestAdapter().catch(() => null)
  : null;
// this process keeps the driver its own adapter request loaded, as selectBackend does
pinGpuDrivers();

Deno.test({
  name: "the GPU driver WebGPU loads stays loaded after the runtime that used it ends",
  ignore: adapter === null,
  async fn() {
    // A worker asks for an adapter (loading the driver: Mesa's llvmpipe here) and pins it, then
    // ends, which makes Deno release its GPU instance and unload the driver unless pinned.
    const url = new URL("../../models/_native_pin.ts", import.meta.url).href;
    const script = `
      const src = "import { pinGpuDrivers } from '${url}';" +
        "await navigator.gpu.requestAdapter(); postMessage(pinGpuDrivers());";
      const worker = new Worker(URL.createObjectURL(new Blob([src])), { type: "module" });
      const pinned = await new Promise((resolve) => worker.onmessage = (e) => resolve(e.data));
      worker.terminate();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const maps = Deno.readTextFileSync("${MAPS}");
      console.log(JSON.stringify({ pinned, gone: pinned.filter((p) => !maps.includes(p)) }));
    `;
    const result = await fresh(script) as { pinned: string[]; gone: string[] };
    assert.ok(result.pinned.length > 0, "the adapter loaded no driver library that was pinned");
    assert.deepEqual(result.gone, [], "driver libraries were unloaded with the worker");
  },
});
