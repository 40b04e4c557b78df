/**
 * Picks and initializes the tfjs backend for training: `cpu` with native kernels (the default;
 * OpenBLAS, else the portable WebAssembly ones, see `kernel_choice.ts`), `webgpu` (Deno's
 * WebGPU), `wasm` (tfjs-backend-wasm) or `tensorflow` (tfjs-node-gpu / tfjs-node, only when
 * installed).
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { UsageError } from "../pipeline/errors.ts";
import { activeKernels, setNativeKernels } from "./native_kernels.ts";
import type { KernelsName } from "./kernel_choice.ts";
import { portableReady } from "./portable_sgemm.ts";
import { pinGpuDrivers } from "./_native_pin.ts";

/** Backend names accepted by `--backend`. */
export const BACKENDS = ["auto", "cpu", "webgpu", "wasm", "tensorflow"] as const;

/** A `--backend` value. */
export type BackendName = typeof BACKENDS[number];

/** What was selected: the tfjs backend, whether native cpu kernels are on, and which. */
export interface BackendChoice {
  backend: string;
  native: boolean;
  /** The cpu matMul kernels ("stock" on other backends). */
  kernels: KernelsName;
}

/** Initializes `name` and returns what runs; UsageError when it cannot start. */
export async function selectBackend(name: string): Promise<BackendChoice> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new UsageError(`--backend: expected one of ${BACKENDS.join(", ")}, got "${name}"`);
  }
  if (name === "auto" || name === "cpu") return await useCpu();
  setNativeKernels(false);
  if (name === "webgpu") {
    if (!("gpu" in navigator) || !(await navigator.gpu.requestAdapter())) {
      throw new UsageError("--backend webgpu: no WebGPU adapter found");
    }
    pinGpuDrivers();
    await import("@tensorflow/tfjs-backend-webgpu");
  } else if (name === "wasm") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setWasmPaths(wasmDirectory());
  } else {
    await importTensorflow();
  }
  if (!(await tf.setBackend(name))) {
    throw new UsageError(`--backend ${name}: tfjs could not initialize it`);
  }
  await tf.ready();
  return { backend: tf.getBackend(), native: false, kernels: "stock" };
}

async function useCpu(): Promise<BackendChoice> {
  await tf.setBackend("cpu");
  // The cpu backend prints a tfjs-node advertisement on first use under Deno; not useful here.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  const native = setNativeKernels(true);
  const { kernels } = activeKernels();
  // Workers start in the background; training should not begin on one thread.
  if (kernels === "portable") await portableReady();
  return { backend: "cpu", native, kernels };
}

/** The folder holding tfjs-backend-wasm's .wasm binaries (a file URL ending in "/"). */
function wasmDirectory(): string {
  const entry = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
  return entry.startsWith("file:") ? new URL(".", entry).href : entry.replace(/[^/]*$/, "");
}

/**
 * tfjs-node(-gpu) is optional: it is imported by bare name, so it resolves only after
 * `deno add npm:@tensorflow/tfjs-node-gpu` (or tfjs-node); nothing is fetched otherwise.
 */
async function importTensorflow(): Promise<void> {
  const packages = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];
  for (const specifier of packages) {
    try {
      await import(specifier);
      return;
    } catch {
      // not installed; try the next one
    }
  }
  throw new UsageError(
    "--backend tensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed " +
      "(add one with `deno add npm:@tensorflow/tfjs-node`, or use --backend cpu)",
  );
}
