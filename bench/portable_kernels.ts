/**
 * The portable WebAssembly kernels against OpenBLAS and stock tfjs, side by side in one run
 * (issue 9): sgemm GFLOP/s at every product of a `cpu`-preset training step (n = 4096, m = 1024,
 * ℓ = 4096), and whole training steps (forward, gradients, Adam) of the `cpu` preset. Calls and
 * steps alternate between the families, so that load from other work falls on each alike.
 *
 *   deno run -A bench/portable_kernels.ts [--batch 64] [--steps 5] [--no-stock]
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { macsPerImage, resolveArchitecture, SparseAutoencoder } from "../models/autoencoder.ts";
import { Adam } from "../models/adam.ts";
import { selectBackend } from "../models/backend.ts";
import { chooseKernels, type KernelsName, type Sgemm } from "../models/kernel_choice.ts";
import { setNativeKernels } from "../models/native_kernels.ts";
import { blasThreads } from "../models/openblas.ts";
import { portableReady, portableThreads } from "../models/portable_sgemm.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    batch: { type: "string", default: "64" },
    steps: { type: "string", default: "5" },
    "no-stock": { type: "boolean", default: false },
  },
});
const batch = Number(flags.batch);
const steps = Number(flags.steps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await selectBackend("cpu");
const openblas = chooseKernels("openblas").sgemm!;
const portable = chooseKernels("portable").sgemm!;
await portableReady();
console.log(
  `OpenBLAS ${blasThreads()} threads, portable ${portableThreads()} threads, batch ${batch}`,
);

/**
 * Best-of GFLOP/s of one product on each sgemm, calls alternating between them for ~1 s, so
 * that load from other work on the machine falls on both alike.
 */
function sgemmGflops(sgemms: Sgemm[], shape: Product): number[] {
  const [transposeA, transposeB, m, n, k] = shape;
  const a = Float32Array.from({ length: m * k }, (_, i) => (i % 13) / 13 - 0.5);
  const b = Float32Array.from({ length: k * n }, (_, i) => (i % 7) / 7 - 0.5);
  const c = new Float32Array(m * n);
  const best = sgemms.map(() => Infinity);
  for (const start = performance.now(); performance.now() - start < 1000;) {
    sgemms.forEach((sgemm, i) => {
      const t = performance.now();
      sgemm(transposeA, transposeB, m, n, k, a, b, c);
      best[i] = Math.min(best[i], performance.now() - t);
    });
  }
  return best.map((ms) => 2 * m * n * k / ms / 1e6);
}

type Product = [boolean, boolean, number, number, number];
// forward x·W, backward dY·Wᵀ and Xᵀ·dY, for the 4096→1024 and 1024→4096 layers
const PRODUCTS: [string, Product][] = [
  ["x·W 4096→1024", [false, false, batch, 1024, 4096]],
  ["x·W 1024→4096", [false, false, batch, 4096, 1024]],
  ["dY·Wᵀ 1024→4096", [false, true, batch, 4096, 1024]],
  ["dY·Wᵀ 4096→1024", [false, true, batch, 1024, 4096]],
  ["Xᵀ·dY 4096×1024", [true, false, 4096, 1024, batch]],
  ["Xᵀ·dY 1024×4096", [true, false, 1024, 4096, batch]],
];
console.log("\n| product (m×n×k) | OpenBLAS GFLOP/s | portable GFLOP/s | portable / OpenBLAS |");
console.log("|---|---|---|---|");
let flopsTotal = 0, blasSeconds = 0, portableSeconds = 0;
for (const [label, shape] of PRODUCTS) {
  const flops = 2 * shape[2] * shape[3] * shape[4];
  const [blas, wasm] = sgemmGflops([openblas, portable], shape);
  flopsTotal += flops;
  blasSeconds += flops / blas;
  portableSeconds += flops / wasm;
  console.log(
    `| ${label} (${shape.slice(2).join("×")}) | ${blas.toFixed(1)} | ${wasm.toFixed(1)} | ${
      (wasm / blas).toFixed(2)
    } |`,
  );
}
const blasMean = flopsTotal / blasSeconds, portableMean = flopsTotal / portableSeconds;
console.log(
  `| all six, time-weighted | ${blasMean.toFixed(1)} | ${portableMean.toFixed(1)} | ${
    (portableMean / blasMean).toFixed(2)
  } |`,
);

/** A `cpu`-preset network with its Adam state and a batch, stepped on one kernel family. */
function trainer(kernels: KernelsName) {
  const arch = resolveArchitecture(4096, { preset: "cpu" });
  const model = SparseAutoencoder.create(arch, 1);
  const x = tf.randomNormal([batch, arch.n], 0, 1, "float32", 2) as tf.Tensor2D;
  const adam = new Adam(model.variables, { learningRate: 1e-4 });
  const times: number[] = [];
  const step = () => {
    setNativeKernels(kernels !== "stock", kernels === "stock" ? undefined : kernels);
    const start = performance.now();
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => model.loss(x, arch.lambda), model.variables);
      adam.apply(model.variables.map((v) => grads[v.name]));
      value.dataSync();
    });
    times.push((performance.now() - start) / 1000);
  };
  return { step, seconds: () => median(times.slice(1)) };
}

// Steps alternate between the families (the first of each is a warm-up); the slow stock steps sit
// in the middle of the portable ones.
const families = { openblas: trainer("openblas"), portable: trainer("portable") };
for (let i = 0; i <= steps; i++) {
  families.openblas.step();
  families.portable.step();
}
const stock = flags["no-stock"] ? null : trainer("stock");
if (stock) {
  stock.step();
  stock.step();
  for (let i = 0; i < steps; i++) families.portable.step();
}
const stepFlops = 6 * macsPerImage(resolveArchitecture(4096, { preset: "cpu" })) * batch;
const rows: [string, number][] = [
  ["OpenBLAS", families.openblas.seconds()],
  ["portable", families.portable.seconds()],
];
if (stock) rows.push(["stock tfjs", stock.seconds()]);
const portableStep = rows[1][1];
console.log(
  `\n| cpu preset training step, batch ${batch} | s/step | img/s | GFLOP/s | portable speed-up |`,
);
console.log("|---|---|---|---|---|");
for (const [label, seconds] of rows) {
  console.log(
    `| ${label} | ${seconds.toFixed(3)} | ${(batch / seconds).toFixed(0)} | ${
      (stepFlops / seconds / 1e9).toFixed(1)
    } | ${(seconds / portableStep).toFixed(2)}× |`,
  );
}
