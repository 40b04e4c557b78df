/**
 * Keeps native libraries mapped until the process exits.
 *
 * Deno unloads a library when the runtime that loaded it ends (each `deno test` module, each
 * worker), and WebGPU's Vulkan driver is unloaded with its instance. Unloading a library with
 * threads or global state (OpenBLAS's thread pool, Mesa's driver next to a still-loaded LLVM) and
 * loading it again while the process goes on is a known source of crashes at exit; CI once
 * aborted with glibc's "corrupted size vs. prev_size" after every test had passed. A second
 * reference taken with RTLD_NODELETE through libc's own `dlopen` makes every later unload a no-op.
 * Best effort: where libc's dlopen is not reachable, nothing is pinned and nothing fails.
 * @module
 */

const RTLD_NOW = 0x2;
const RTLD_NOLOAD = Deno.build.os === "darwin" ? 0x10 : 0x4;
const RTLD_NODELETE = Deno.build.os === "darwin" ? 0x80 : 0x1000;
const LIBC = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6";

const LIBC_SYMBOLS = { dlopen: { parameters: ["buffer", "i32"], result: "pointer" } } as const;
let libc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | null | undefined;

/** libc's dlopen(path, flags) succeeded; libc is opened once per runtime (null: unreachable). */
function dlopenFlags(path: string, flags: number): boolean {
  if (libc === undefined) {
    try {
      libc = Deno.dlopen(LIBC, LIBC_SYMBOLS);
    } catch {
      libc = null;
    }
  }
  return libc !== null &&
    libc.symbols.dlopen(new TextEncoder().encode(`${path}\0`), flags) !== null;
}

/** Loads (if needed) and pins the library at `path`; false when it could not be pinned. */
export function pinLibrary(path: string): boolean {
  return dlopenFlags(path, RTLD_NOW | RTLD_NODELETE);
}

/**
 * Pins every library already mapped into this process whose path matches `pattern`
 * (Linux: read from /proc/self/maps; elsewhere nothing). Returns the paths pinned.
 */
function pinLoadedLibraries(pattern: RegExp): string[] {
  let maps: string;
  try {
    maps = Deno.readTextFileSync("/proc/self/maps");
  } catch {
    return [];
  }
  const paths = new Set<string>();
  for (const line of maps.split("\n")) {
    const path = line.slice(line.indexOf("/"));
    if (line.includes("/") && /\.so(\.|$)/.test(path) && pattern.test(path)) paths.add(path);
  }
  return [...paths].filter((path) => dlopenFlags(path, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE));
}

/** GPU driver libraries (Vulkan loader and ICDs, Mesa, LLVM, vendor drivers) by path. */
const GPU_DRIVER_LIBRARIES = /vulkan|lvp|mesa|gallium|_dri|LLVM|nvidia|libcuda|amdvlk|radeon/i;

/**
 * Keeps the GPU driver that WebGPU loaded mapped until the process exits: Deno unloads it with
 * its instance, and unloading Mesa's llvmpipe driver (swrast_dri.so) while LLVM stays loaded (it is
 * never unloaded) is the kind of teardown that crashes at exit (see above). Returns the libraries
 * pinned.
 */
export function pinGpuDrivers(): string[] {
  return pinLoadedLibraries(GPU_DRIVER_LIBRARIES);
}
