/**
 * What runs fast on this machine, measured: the sgemm GFLOP/s of each cpu kernel family
 * (OpenBLAS, portable, stock tfjs) and of tf.matMul on each other tfjs backend that loads
 * (webgpu, wasm, tensorflow), at the `cpu` preset's first layer with batch 64. For `deno task
 * doctor`; a few seconds in all.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "./backend.ts";
import { chooseKernels, KERNELS, type KernelsName, type Sgemm } from "./kernel_choice.ts";
import { setNativeKernels } from "./native_kernels.ts";
import { blasThreads, openBlasPath } from "./openblas.ts";
import { portableReady, portableThreads } from "./portable_sgemm.ts";

/** One kernel family or backend: whether it loads, what it is, and its measured speed. */
export interface KernelProbe {
  name: string;
  /** Loaded: where from and how many threads; else why not. */
  detail: string;
  loaded: boolean;
  gflops?: number;
}

/** The measured product: [64 × 4096] · [4096 × 1024], the `cpu` preset's first layer. */
export const PROBE_SHAPE = { m: 64, k: 4096, n: 1024 } as const;
const FLOPS = 2 * PROBE_SHAPE.m * PROBE_SHAPE.k * PROBE_SHAPE.n;

/** Best GFLOP/s of `run` over repeats within `budgetMs` (one warm-up when `warm`). */
export async function bestGflops(
  run: () => unknown,
  budgetMs = 300,
  warm = true,
): Promise<number> {
  if (warm) await run();
  let best = Infinity;
  const start = performance.now();
  do {
    const t = performance.now();
    await run();
    best = Math.min(best, performance.now() - t);
  } while (performance.now() - start < budgetMs);
  return FLOPS / (best / 1000) / 1e9;
}

function sgemmGflops(sgemm: Sgemm): Promise<number> {
  const { m, n, k } = PROBE_SHAPE;
  const a = Float32Array.from({ length: m * k }, (_, i) => (i % 13) / 13 - 0.5);
  const b = Float32Array.from({ length: k * n }, (_, i) => (i % 7) / 7 - 0.5);
  const c = new Float32Array(m * n);
  return bestGflops(() => sgemm(false, false, m, n, k, a, b, c));
}

/** tf.matMul GFLOP/s on the current backend (data read back, so GPU work is included). */
async function matMulGflops(budgetMs: number, warm: boolean): Promise<number> {
  const { m, n, k } = PROBE_SHAPE;
  const a = tf.randomUniform([m, k], -0.5, 0.5, "float32", 1);
  const b = tf.randomUniform([k, n], -0.5, 0.5, "float32", 2);
  const product = async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  const gflops = await bestGflops(product, budgetMs, warm);
  tf.dispose([a, b]);
  return gflops;
}

/** Each cpu kernel family: OpenBLAS, portable, stock tfjs, loaded or not, and measured. */
export async function probeKernels(): Promise<KernelProbe[]> {
  const probes: KernelProbe[] = [];
  for (const name of KERNELS) probes.push(await probeFamily(name));
  await selectBackend("cpu");
  return probes;
}

async function probeFamily(name: KernelsName): Promise<KernelProbe> {
  if (name === "stock") {
    await selectBackend("cpu");
    setNativeKernels(false);
    // about 0.5 s a product: one, cold
    return {
      name,
      detail: "tfjs cpu, 1 thread",
      loaded: true,
      gflops: await matMulGflops(0, false),
    };
  }
  let choice;
  try {
    choice = chooseKernels(name);
  } catch (error) {
    return {
      name,
      detail: (error as Error).message.replace(/^SASQUASH_KERNELS=\w+: /, ""),
      loaded: false,
    };
  }
  if (name === "portable") await portableReady();
  const detail = name === "openblas"
    ? `${openBlasPath()}, ${blasThreads()} threads`
    : `WebAssembly SIMD, ${portableThreads()} threads`;
  return { name, detail, loaded: true, gflops: await sgemmGflops(choice.sgemm!) };
}

/** The other tfjs backends: webgpu (with its adapter's name), wasm, tensorflow (tfjs-node). */
export async function probeBackends(): Promise<KernelProbe[]> {
  const probes: KernelProbe[] = [];
  for (const name of ["webgpu", "wasm", "tensorflow"] as const) {
    try {
      await selectBackend(name);
      const detail = name === "webgpu" ? `adapter "${await adapterName()}"` : `tfjs ${name}`;
      probes.push({ name, detail, loaded: true, gflops: await matMulGflops(300, true) });
    } catch (error) {
      probes.push({
        name,
        detail: (error as Error).message.replace(/^--backend \w+: /, ""),
        loaded: false,
      });
    }
  }
  await selectBackend("cpu");
  return probes;
}

async function adapterName(): Promise<string> {
  const adapter = await navigator.gpu.requestAdapter();
  const info = adapter?.info;
  return info?.description || info?.device || info?.vendor || "unnamed";
}
