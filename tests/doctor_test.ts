import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { version as pyodideVersion } from "pyodide";

async function doctor(env: Record<string, string>, ...args: string[]) {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../tasks/doctor.ts", import.meta.url).pathname, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
  assert.equal(run.code, 0, text);
  return text;
}

/** The GFLOP/s figure on the row of `name`, or NaN when the row has none. */
const gflops = (text: string, name: string) =>
  Number(text.match(new RegExp(`^  ${name} +([\\d.]+) GFLOP/s`, "m"))?.[1]);

Deno.test("doctor prints versions, measures every kernel that loads and finds zfp", async () => {
  const text = await doctor({ SASQUASH_KERNELS: "" });
  assert.match(text, new RegExp(`^Deno ${Deno.version.deno} \\(V8 `, "m"));
  assert.match(text, new RegExp(`^tfjs ${tf.version.tfjs}, Pyodide ${pyodideVersion}$`, "m"));
  // .ci/run installs libopenblas0-pthread and zfp
  for (const name of ["openblas", "portable", "stock", "wasm"]) {
    assert.ok(gflops(text, name) > 0, `${name} measured:\n${text}`);
  }
  assert.ok(gflops(text, "openblas") > gflops(text, "stock"), text);
  assert.match(text, /^ {2}openblas .*libopenblas\.so\.0, \d+ threads$/m);
  assert.match(text, /^ {2}portable .*WebAssembly SIMD, \d+ threads$/m);
  assert.match(text, /training uses: OpenBLAS kernels \(found /);
  assert.match(text, /^ {2}webgpu +(\S+ GFLOP\/s {2}adapter "[^"]+"|- {2}not loaded: .+)$/m);
  assert.match(text, /^ {2}zfp +\S*zfp$/m);
});

Deno.test("without OpenBLAS, doctor says what it searched and what to install for this OS", async () => {
  const text = await doctor(
    { SASQUASH_OPENBLAS: "/nonexistent/libopenblas.so.0", SASQUASH_KERNELS: "" },
    "--no-backends",
  );
  assert.match(text, /^ {2}openblas +- {2}not loaded: .*\/nonexistent\/libopenblas\.so\.0/m);
  assert.ok(gflops(text, "portable") > 0, text);
  assert.match(text, /training uses: portable WebAssembly SIMD kernels \(OpenBLAS not found/);
  assert.match(text, /for more:\n {2}OpenBLAS kernels \(fastest training\): /);
  if (Deno.build.os === "linux") assert.match(text, /libopenblas0-pthread/);
  assert.ok(!/\.dylib|\.dll/.test(text) || Deno.build.os !== "linux", text);
  assert.ok(!text.includes("other tfjs backends"), "--no-backends skips them");
});
