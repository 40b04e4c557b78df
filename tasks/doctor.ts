/**
 * `deno task doctor`: what this machine offers sasquash — versions, which kernels and backends
 * load and how fast each multiplies, which baselines are on PATH, and what to install for more.
 */
import * as tf from "@tensorflow/tfjs";
import { version as pyodideVersion } from "pyodide";
import {
  type KernelProbe,
  PROBE_SHAPE,
  probeBackends,
  probeKernels,
} from "../models/kernel_report.ts";
import { chooseKernels, describeKernels, openBlasHint } from "../models/kernel_choice.ts";
import { runTask, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "doctor",
  usage: "[--no-backends]",
  summary: "Print the Deno, tfjs and Pyodide versions, which matMul kernels and tfjs backends\n" +
    "load, the sgemm GFLOP/s each reaches here (a few seconds), which baseline codecs are on\n" +
    "PATH, and what to install for more speed.",
  flags: {
    "no-backends": { type: "boolean", help: "skip the webgpu, wasm and tensorflow backends" },
  },
} satisfies TaskSpec;

/** Baseline codecs `evaluate` compares with, by executable name. */
const BASELINES = { zfp: "apt-get install zfp", sz3: "build SZ3 from github.com/szcompressor/SZ3" };

/** The full path of `name` on PATH, or null. */
async function onPath(name: string): Promise<string | null> {
  const separator = Deno.build.os === "windows" ? ";" : ":";
  for (const dir of (Deno.env.get("PATH") ?? "").split(separator)) {
    try {
      const path = `${dir}/${name}`;
      if ((await Deno.stat(path)).isFile) return path;
    } catch {
      // not in this folder
    }
  }
  return null;
}

function row(probe: KernelProbe): string {
  const speed = probe.gflops === undefined ? "-" : `${probe.gflops.toFixed(1)} GFLOP/s`;
  return `  ${probe.name.padEnd(10)} ${speed.padStart(14)}  ${
    probe.loaded ? "" : "not loaded: "
  }${probe.detail}`;
}

if (import.meta.main) {
  await runTask(spec, async (flags) => {
    const { m, k, n } = PROBE_SHAPE;
    console.log(
      `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), ${Deno.build.os} ${Deno.build.arch}, ` +
        `${navigator.hardwareConcurrency} cores`,
    );
    console.log(`tfjs ${tf.version.tfjs}, Pyodide ${pyodideVersion}`);
    console.log(`\ncpu matMul kernels, sgemm [${m}×${k}]·[${k}×${n}]:`);
    const kernels = await probeKernels();
    kernels.forEach((probe) => console.log(row(probe)));
    console.log(`  training uses: ${describeKernels(chooseKernels())}`);
    const backends = flags["no-backends"] ? [] : await probeBackends();
    if (backends.length) {
      console.log(`\nother tfjs backends (--backend), tf.matMul at the same shape:`);
      backends.forEach((probe) => console.log(row(probe)));
    }
    console.log("\nbaselines on PATH:");
    const advice: string[] = [];
    for (const [name, install] of Object.entries(BASELINES)) {
      const path = await onPath(name);
      console.log(`  ${name.padEnd(10)} ${path ?? "not found"}`);
      if (!path) advice.push(`${name} baseline: ${install}`);
    }
    if (!kernels[0].loaded) {
      advice.unshift(`OpenBLAS kernels (fastest training): ${openBlasHint()}`);
    }
    console.log(
      advice.length
        ? `\nfor more:\n${advice.map((a) => `  ${a}`).join("\n")}`
        : "\nnothing to add.",
    );
  });
}
