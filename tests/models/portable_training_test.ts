import assert from "node:assert/strict";

// The suite's own run uses OpenBLAS (.ci/run installs it); this runs the training tests once more
// on the portable kernels, so that path is tested on every CI run and cannot rot.
const FILES = [
  "trainer_test.ts",
  "train_task_test.ts",
  "autoencoder_test.ts",
  "native_kernels_test.ts",
];

Deno.test("the training tests pass on the portable kernels (SASQUASH_KERNELS=portable)", async () => {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--quiet", ...FILES.map((f) => new URL(f, import.meta.url).pathname)],
    env: { SASQUASH_KERNELS: "portable" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
  assert.equal(run.code, 0, output);
  const passed = Number(output.match(/(\d+) passed \| 0 failed/)?.[1]);
  assert.ok(passed >= 20, `expected the ${FILES.length} files' tests to run, got: ${passed}`);
  // that test asserts that the kernels in use are the ones SASQUASH_KERNELS names
  assert.match(
    output,
    /the default kernels are OpenBLAS unless SASQUASH_KERNELS names others .*ok/,
  );
});
