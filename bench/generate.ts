/**
 * Generation speed per core in Pyodide, printed next to sasmodels' C engine figures from
 * ../shared/reference/README.md (same machine type, one core): 49 img/s on its realistic random
 * mix (half polydisperse), 9 561 img/s for monodisperse sphere.
 *
 *   deno run -A bench/generate.ts [--n 120]
 */
import { runJob } from "../generators/image_job.ts";
import { REALISTIC_MIX } from "../generators/generation_plan.ts";
import { SasHost } from "../generators/pyodide_host.ts";

const n = Number(Deno.args[Deno.args.indexOf("--n") + 1] || 120);
const host = await SasHost.create();
const grid = { qmax: 0.3, size: 64 };
const base = { seed: 100000, grid, noise: "none" as const, flux: 1, plugins: [] };

function rate(models: string[], count: number): { rate: number; perModel: Map<string, number[]> } {
  const perModel = new Map<string, number[]>();
  const t0 = performance.now();
  for (let k = 0; k < count; k++) {
    const t = performance.now();
    runJob(host, { ...base, models }, k, k + 1);
    const m = models[k % models.length];
    perModel.set(m, [...(perModel.get(m) ?? []), performance.now() - t]);
  }
  return { rate: count / ((performance.now() - t0) / 1000), perModel };
}

rate(["sphere"], 20); // warm-up
const mix = rate(REALISTIC_MIX, n);
const sphere = host.render("sphere", {}, grid); // warm the mono path
void sphere;
const t0 = performance.now();
let m = 0;
while (performance.now() - t0 < 3000) {
  host.render("sphere", { radius: 20 + (m++ % 100) }, grid);
}
const mono = m / ((performance.now() - t0) / 1000);

console.log(`| case | sasquash (Pyodide, 1 core) img/s | sasmodels C (1 core) img/s | ratio |`);
console.log(`|---|---|---|---|`);
console.log(
  `| realistic random mix, first ${n} images | ${mix.rate.toFixed(2)} | 49 | ${
    (mix.rate / 49).toFixed(3)
  } |`,
);
console.log(`| sphere, monodisperse | ${mono.toFixed(0)} | 9561 | ${(mono / 9561).toFixed(3)} |`);
console.log("\nper model on the mix: images, mean ms, max ms");
for (const [model, ms] of mix.perModel) {
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  console.log(
    `  ${model.padEnd(20)} ${String(ms.length).padStart(3)} ${mean.toFixed(1).padStart(9)} ${
      Math.max(...ms).toFixed(1).padStart(9)
    }`,
  );
}
