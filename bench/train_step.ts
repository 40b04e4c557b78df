/**
 * One Adam step of the paper net (n = m = 4096, ℓ = 8192, batch 512) on tfjs `cpu` with the
 * native kernels, next to baselines measured in the same run: (a) OpenBLAS sgemm peak,
 * (b) stock tfjs `cpu` (a smaller net, compared in GFLOP/s), (c) PyTorch CPU
 * (`bench/train_step_torch.py`, skipped when no python3 has torch).
 *
 * Usage: deno run -A bench/train_step.ts [--steps 3] [--batch 512] [--no-torch] [--no-stock]
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { macsPerImage, resolveArchitecture, SparseAutoencoder } from "../models/autoencoder.ts";
import { Adam } from "../models/adam.ts";
import { trainStep } from "../models/train_step.ts";
import { selectBackend } from "../models/backend.ts";
import { setNativeKernels } from "../models/native_kernels.ts";
import { blasThreads, sgemm } from "../models/openblas.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "3" },
    batch: { type: "string", default: "512" },
    "no-torch": { type: "boolean", default: false },
    "no-stock": { type: "boolean", default: false },
  },
});
const steps = Number(flags.steps);
const batch = Number(flags.batch);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Best-of-5 sgemm GFLOP/s at the shape of the first layer (preallocated arrays). */
function sgemmPeak(m: number, n: number, k: number): number {
  const a = new Float32Array(m * k).map((_, i) => (i % 13) / 13 - 0.5);
  const b = new Float32Array(k * n).map((_, i) => (i % 7) / 7 - 0.5);
  const c = new Float32Array(m * n);
  sgemm(false, false, m, n, k, a, b, c);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    sgemm(false, false, m, n, k, a, b, c);
    best = Math.min(best, performance.now() - start);
  }
  return 2 * m * n * k / (best / 1000) / 1e9;
}

/** Median seconds of `count` training steps (after one warm-up) with the given optimizer. */
async function timeSteps(
  arch: ReturnType<typeof resolveArchitecture>,
  rows: number,
  count: number,
  stockAdam: boolean,
) {
  const model = SparseAutoencoder.create(arch, 1);
  const x = tf.randomNormal([rows, arch.n], 0, 1, "float32", 2) as tf.Tensor2D;
  const adam = stockAdam ? null : new Adam(model.variables, { learningRate: 1e-4 });
  const stock = stockAdam ? tf.train.adam(1e-4) : null;
  const times: number[] = [];
  for (let i = 0; i <= count; i++) {
    const start = performance.now();
    if (stock) {
      tf.tidy(() => {
        stock.minimize(() => model.loss(x, arch.lambda), false, model.variables);
      });
    } else await trainStep(model, adam!, x, arch.lambda);
    if (i > 0) times.push((performance.now() - start) / 1000);
  }
  adam?.dispose();
  stock?.dispose();
  model.dispose();
  x.dispose();
  const seconds = median(times);
  return { seconds, gflops: 6 * macsPerImage(arch) * rows / seconds / 1e9 };
}

async function torchBaseline(): Promise<Record<string, number> | string> {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      const probe = await new Deno.Command(python, { args: ["-c", "import torch"], stderr: "null" })
        .output();
      if (!probe.success) continue;
      const run = await new Deno.Command(python, {
        args: ["bench/train_step_torch.py", "--batch", String(batch), "--steps", String(steps)],
      }).output();
      const text = new TextDecoder().decode(run.stdout).trim().split("\n").at(-1)!;
      return JSON.parse(text);
    } catch {
      // not this interpreter
    }
  }
  return "no python3 with torch (apt-get install -y python3-torch)";
}

const choice = await selectBackend("cpu");
if (!choice.native) console.warn("native kernels unavailable: timing stock kernels");
const paper = resolveArchitecture(4096, { preset: "paper-z" });
const peak = sgemmPeak(batch, 4096, 4096);
console.log(
  `OpenBLAS sgemm ${batch}×4096×4096 (${blasThreads()} threads): ${peak.toFixed(1)} GFLOP/s`,
);
const native = await timeSteps(paper, batch, steps, false);
console.log(
  `native cpu, paper net, batch ${batch}: ${native.seconds.toFixed(3)} s/step, ` +
    `${native.gflops.toFixed(1)} GFLOP/s = ${
      (100 * native.gflops / peak).toFixed(0)
    } % of sgemm peak`,
);
if (!flags["no-stock"]) {
  const small = resolveArchitecture(1024, { preset: "paper-z" });
  setNativeKernels(false);
  const stock = await timeSteps(small, 64, 1, true);
  setNativeKernels(true);
  console.log(
    `stock tfjs cpu + tf.train.adam, n=1024 net, batch 64: ${stock.seconds.toFixed(2)} s/step, ` +
      `${stock.gflops.toFixed(2)} GFLOP/s → native is ${
        (native.gflops / stock.gflops).toFixed(0)
      }× faster per FLOP`,
  );
}
if (!flags["no-torch"]) {
  const torch = await torchBaseline();
  if (typeof torch === "string") console.log(`PyTorch: skipped, ${torch}`);
  else {
    console.log(
      `PyTorch ${torch.torch} (${torch.threads} threads), paper net, batch ${batch}: ` +
        `${torch.seconds.toFixed(3)} s/step, ${torch.gflops.toFixed(1)} GFLOP/s ` +
        `(its sgemm ${torch.sgemm_gflops.toFixed(1)}) → native/PyTorch = ${
          (native.gflops / torch.gflops).toFixed(2)
        }×`,
    );
  }
}
