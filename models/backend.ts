/**
 * Picks and initializes the tfjs backend for training: `cpu` with native OpenBLAS kernels
 * (the default), `webgpu` (Deno's WebGPU), `wasm` (portable fallback) or `tensorflow`
 * (tfjs-node-gpu / tfjs-node, only when installed).
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { UsageError } from "../pipeline/errors.ts";
import { setNativeKernels } from "./native_kernels.ts";
import { pinGpuDrivers } from "./_native_pin.ts";

/** Backend names accepted by `--backend`. */
export const BACKENDS = ["auto", "cpu", "webgpu", "wasm", "tensorflow"] as const;

/** A `--backend` value. */
export type BackendName = typeof BACKENDS[number];

/** What was selected: the tfjs backend name and whether native cpu kernels are on. */
export interface BackendChoice {
  backend: string;
  native: boolean;
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
  return { backend: tf.getBackend(), native: false };
}

async function useCpu(): Promise<BackendChoice> {
  await tf.setBackend("cpu");
  // The cpu backend prints a tfjs-node advertisement on first use under Deno; not useful here.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return { backend: "cpu", native: setNativeKernels(true) };
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
