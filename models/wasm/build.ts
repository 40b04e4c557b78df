/**
 * Builds `sgemm.wasm` from `sgemm.c` with the pinned toolchain: Debian bookworm's clang and lld
 * 14.0.6 (`apt-get install -y clang lld`), wasm32 with SIMD128, atomics and an imported shared
 * memory. clang 14 emits relaxed_madd under its prototype opcode (f32x4.fma, 0xfd 0xaf 0x01);
 * the build rewrites it to the standard opcode (0xfd 0x85 0x02, same length, same operand order
 * for x·y + acc) and checks the count against llvm-objdump's disassembly, and that no code
 * touches a global (the shadow stack), which instances sharing the memory cannot share.
 *
 *   deno run -A models/wasm/build.ts            # rebuilds models/wasm/sgemm.wasm
 *   deno run -A models/wasm/build.ts --out F    # writes F instead (tests compare it)
 * @module
 */

import { parseArgs } from "node:util";

/** The clang version the committed binary was built with. */
export const CLANG_VERSION = "14.0.6";

const HERE = new URL(".", import.meta.url);
const PROTOTYPE_FMA = [0xfd, 0xaf, 0x01];
const RELAXED_MADD = [0xfd, 0x85, 0x02];

/** clang's arguments, fixed so that a rebuild is byte for byte the same. */
const CLANG_ARGS = [
  "--target=wasm32",
  "-O3",
  "-msimd128",
  "-mrelaxed-simd",
  "-matomics",
  "-mbulk-memory",
  "-nostdlib",
  "-ffile-prefix-map=/=",
  "-Wl,--no-entry",
  "-Wl,--export=sgemm",
  "-Wl,--export=sgemm_scratch_floats",
  "-Wl,--import-memory",
  "-Wl,--shared-memory",
  "-Wl,--max-memory=2147483648",
  "-Wl,--strip-all",
];

/** Why the pinned toolchain is missing (null when clang 14.0.6 with wasm-ld is usable). */
export async function toolchainMissing(): Promise<string | null> {
  try {
    const { stdout } = await new Deno.Command("clang", { args: ["--version"] }).output();
    const text = new TextDecoder().decode(stdout);
    if (!text.includes(`clang version ${CLANG_VERSION}`)) {
      return `clang ${CLANG_VERSION} is required, found: ${text.split("\n")[0]}`;
    }
    await new Deno.Command("wasm-ld", { args: ["--version"] }).output();
    return null;
  } catch {
    return "clang or wasm-ld is not on PATH (apt-get install -y clang lld)";
  }
}

/** Compiles sgemm.c and returns the finished module's bytes. */
export async function buildSgemm(): Promise<Uint8Array> {
  const missing = await toolchainMissing();
  if (missing) throw new Error(missing);
  const raw = await Deno.makeTempFile({ suffix: ".wasm" });
  try {
    const source = new URL("sgemm.c", HERE).pathname;
    const clang = await new Deno.Command("clang", {
      args: [...CLANG_ARGS, "-o", raw, "sgemm.c"],
      cwd: new URL(".", HERE).pathname,
      stderr: "piped",
    }).output();
    if (!clang.success) {
      throw new Error(`clang failed on ${source}:\n${new TextDecoder().decode(clang.stderr)}`);
    }
    const bytes = await Deno.readFile(raw);
    const listing = await disassemble(raw);
    const replaced = replaceAll(bytes, PROTOTYPE_FMA, RELAXED_MADD);
    const expected = listing?.split("f32x4.fma").length;
    if (expected !== undefined && replaced !== expected - 1) {
      throw new Error(
        `rewrote ${replaced} opcodes but llvm-objdump shows ${expected - 1} f32x4.fma`,
      );
    }
    // Instances share one memory but each has its own stack pointer at the same address.
    if (listing?.includes("global.")) throw new Error("sgemm.c uses the shadow stack (a global)");
    if (replaced === 0) throw new Error("no f32x4.fma in the build: did sgemm.c change?");
    return bytes;
  } finally {
    await Deno.remove(raw);
  }
}

/** llvm-objdump's disassembly of the module (null when llvm-objdump is missing). */
async function disassemble(path: string): Promise<string | null> {
  for (const tool of ["llvm-objdump-14", "llvm-objdump"]) {
    try {
      const { stdout, success } = await new Deno.Command(tool, { args: ["-d", path] }).output();
      if (success) return new TextDecoder().decode(stdout);
    } catch {
      // try the next name
    }
  }
  return null;
}

/** Replaces every occurrence of `from` by `to` (same length) in place; returns the count. */
function replaceAll(bytes: Uint8Array, from: number[], to: number[]): number {
  let count = 0;
  for (let i = 0; i + from.length <= bytes.length; i++) {
    if (from.every((b, j) => bytes[i + j] === b)) {
      bytes.set(to, i);
      count++;
    }
  }
  return count;
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
  const out = values.out ?? new URL("sgemm.wasm", HERE).pathname;
  const bytes = await buildSgemm();
  await Deno.writeFile(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes, clang ${CLANG_VERSION})`);
}
