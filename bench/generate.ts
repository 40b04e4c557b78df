/**
 * Generation speed per core in Pyodide, printed next to sasmodels' C engine figures from
 * ../shared/reference/README.md (same machine type, one core): 49 img/s on its realistic random
 * mix (half polydisperse), and the per-case figures of its benchmark table.
 *
 *   deno run -A bench/generate.ts [--n 120]   (--n 0: the table's cases only)
 */
import { runJob } from "../generators/host/image_job.ts";
import { REALISTIC_MIX } from "../generators/host/generation_plan.ts";
import { SasHost } from "../generators/host/pyodide_host.ts";

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

/**
 * The cases of the reference README's benchmark table, as sasmodels ran them there: default
 * parameters, each size parameter scaled by a fresh U(0.8, 1.25) factor per image.
 */
interface Case {
  label: string;
  model: string;
  params: Record<string, number>;
  sizes: string[];
  sasmodels: number;
}
const JITTER = { theta_pd: 10, theta_pd_n: 20, phi_pd: 5, phi_pd_n: 10 };
const CASES: Case[] = [
  {
    label: "sphere, monodisperse",
    model: "sphere",
    params: {},
    sizes: ["radius"],
    sasmodels: 9561,
  },
  {
    label: "cylinder, oriented θ=35 φ=−25, monodisperse",
    model: "cylinder",
    params: { theta: 35, phi: -25 },
    sizes: ["radius", "length"],
    sasmodels: 7278,
  },
  {
    label: "cylinder, oriented + jitter θ_pd=10 (n 20), φ_pd=5 (n 10)",
    model: "cylinder",
    params: { theta: 35, phi: -25, ...JITTER },
    sizes: ["radius", "length"],
    sasmodels: 53,
  },
  {
    label: "core_shell_sphere, radius_pd=0.15, pd_n=35",
    model: "core_shell_sphere",
    params: { radius_pd: 0.15, radius_pd_n: 35 },
    sizes: ["radius", "thickness"],
    sasmodels: 227,
  },
  {
    label: "core_shell_sphere, radius pd n 35 × thickness pd n 35",
    model: "core_shell_sphere",
    params: { radius_pd: 0.15, radius_pd_n: 35, thickness_pd: 0.15, thickness_pd_n: 35 },
    sizes: ["radius", "thickness"],
    sasmodels: 6.4,
  },
  {
    label: "parallelepiped, oriented θ, φ, ψ, monodisperse",
    model: "parallelepiped",
    params: { theta: 35, phi: -25, psi: 20 },
    sizes: ["length_a", "length_b", "length_c"],
    sasmodels: 5633,
  },
  { label: "guinier", model: "guinier", params: {}, sizes: ["rg"], sasmodels: 17125 },
  { label: "power_law", model: "power_law", params: {}, sizes: [], sasmodels: 20410 },
];

/** Images/s of one case over at least `seconds` (and at least 3 images), after one warm-up. */
function caseRate(c: Case, seconds: number): number {
  const defaults = host.render(c.model, c.params, grid).params;
  let state = 12345;
  const factor = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 0.8 + 0.45 * (state / 2 ** 32);
  };
  const draw = () => {
    const params: Record<string, number> = { ...c.params };
    for (const name of c.sizes) params[name] = Number(defaults[name]) * factor();
    return params;
  };
  const t0 = performance.now();
  let count = 0;
  while (count < 3 || performance.now() - t0 < seconds * 1000) {
    host.render(c.model, draw(), grid);
    count++;
  }
  return count / ((performance.now() - t0) / 1000);
}

console.log(`| case | sasquash (1 core) img/s | sasmodels C (1 core) img/s | ratio |`);
console.log(`|---|---|---|---|`);
if (n > 0) {
  console.log(
    `| realistic random mix, first ${n} images | ${mix.rate.toFixed(2)} | 49 | ${
      (mix.rate / 49).toFixed(3)
    } |`,
  );
}
for (const c of CASES) {
  const r = caseRate(c, 2);
  const shown = r >= 100 ? r.toFixed(0) : r.toFixed(2);
  console.log(`| ${c.label} | ${shown} | ${c.sasmodels} | ${(r / c.sasmodels).toFixed(3)} |`);
}
if (n > 0) console.log("\nper model on the mix: images, mean ms, max ms");
for (const [model, ms] of mix.perModel) {
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  console.log(
    `  ${model.padEnd(20)} ${String(ms.length).padStart(3)} ${mean.toFixed(1).padStart(9)} ${
      Math.max(...ms).toFixed(1).padStart(9)
    }`,
  );
}
