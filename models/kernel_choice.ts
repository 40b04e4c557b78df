/**
 * Chooses the matMul kernels of the tfjs `cpu` backend and says why: OpenBLAS when libopenblas
 * loads, else the portable WebAssembly kernels that ship with sasquash, else stock tfjs.
 * `SASQUASH_KERNELS=openblas|portable|stock` forces one; `SASQUASH_OPENBLAS=PATH` names the
 * library to load.
 * @module
 */

import { UsageError } from "../pipeline/errors.ts";
import { openBlas, openBlasCandidates, openBlasError, openBlasPath, sgemm } from "./openblas.ts";
import { loadPortable, portableError, portableSgemm } from "./portable_sgemm.ts";

/** The kernel families for `cpu` matMuls, fastest first. */
export const KERNELS = ["openblas", "portable", "stock"] as const;

/** A kernel family. */
export type KernelsName = typeof KERNELS[number];

/** Row-major C = op(A)·op(B) + beta·C, the contract of both native sgemms. */
export type Sgemm = typeof sgemm;

/** What `chooseKernels` picked: the family, its sgemm (null for stock) and why, in one line. */
export interface KernelChoice {
  kernels: KernelsName;
  sgemm: Sgemm | null;
  reason: string;
}

/** `SASQUASH_KERNELS`, checked; undefined when unset or empty. */
export function forcedKernels(): KernelsName | undefined {
  const value = Deno.env.get("SASQUASH_KERNELS");
  if (!value) return undefined;
  if (!(KERNELS as readonly string[]).includes(value)) {
    throw new UsageError(`SASQUASH_KERNELS: expected one of ${KERNELS.join(", ")}, got "${value}"`);
  }
  return value as KernelsName;
}

/**
 * Picks the kernels: `wanted` (default `SASQUASH_KERNELS`, else the fastest that loads).
 * A forced family that cannot load throws, so a benchmark never times a silent fallback.
 */
export function chooseKernels(wanted = forcedKernels()): KernelChoice {
  const forced = wanted ? `SASQUASH_KERNELS=${wanted}` : "";
  if (wanted === "stock") return { kernels: "stock", sgemm: null, reason: forced };
  if (wanted !== "portable" && openBlas() !== null) {
    const how = Deno.env.get("SASQUASH_OPENBLAS") ? "SASQUASH_OPENBLAS" : "found";
    return { kernels: "openblas", sgemm, reason: forced || `${how} ${openBlasPath()}` };
  }
  const missing = `OpenBLAS not found: ${openBlasSearch()}`;
  if (wanted === "openblas") throw new Error(`${forced}: ${missing}`);
  if (loadPortable()) {
    return { kernels: "portable", sgemm: portableSgemm, reason: forced || missing };
  }
  if (wanted === "portable") throw new Error(`${forced}: ${portableError()}`);
  return {
    kernels: "stock",
    sgemm: null,
    reason: `${missing}; no portable kernels (${portableError()})`,
  };
}

/** What the OpenBLAS search tried, for messages; an explicit path also gets its error. */
function openBlasSearch(): string {
  const paths = openBlasCandidates();
  if (paths.length === 0) return `no known location on ${Deno.build.os}`;
  if (Deno.env.get("SASQUASH_OPENBLAS")) return openBlasError();
  return `searched ${paths.join(", ")}`;
}

/** The kernels' name with the reason they were chosen, e.g. for `train`'s banner. */
export function describeKernels(choice: KernelChoice): string {
  const name = {
    openblas: "OpenBLAS kernels",
    portable: "portable WebAssembly SIMD kernels",
    stock: "stock tfjs kernels",
  }[choice.kernels];
  return choice.reason ? `${name} (${choice.reason})` : name;
}

/** What to install on this OS for the OpenBLAS kernels. */
export function openBlasHint(): string {
  const os = Deno.build.os;
  if (os === "linux") {
    return "apt-get install libopenblas0-pthread (Debian, Ubuntu) or dnf install openblas " +
      "(Fedora), or set SASQUASH_OPENBLAS=/path/to/libopenblas.so.0";
  }
  if (os === "darwin") return "brew install openblas";
  return "put libopenblas.dll on PATH, or set SASQUASH_OPENBLAS=C:\\path\\to\\libopenblas.dll";
}
