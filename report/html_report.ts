/** `index.html` of an evaluation report: summary tables and the SVG figures. @module */
import { escapeXml } from "./svg_plot.ts";
import type { Summary } from "../pipeline/summary_stats.ts";
import {
  SWEEP_CODERS,
  type SweepPoint,
  type SweepResult,
} from "../baselines/rate_distortion_sweep.ts";

const METRICS = [
  ["rel_l2", "relative L2 error"],
  ["rms_rel", "RMS pointwise relative error"],
  ["max_pointwise_rel", "max pointwise relative error"],
  ["nnz_ratio", "‖x‖₀ / ‖f(z)‖₀"],
  ["byte_ratio", "byte ratio (float32 / code)"],
] as const;

type Json = Record<string, unknown>;

function num(v: unknown): string {
  if (typeof v !== "number") return v === null || v === undefined ? "–" : escapeXml(String(v));
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2 ? v.toExponential(3) : v.toPrecision(4);
}

function statsTable(groups: [string, Json][]): string {
  let s = "<table><tr><th>group</th><th>metric</th><th>n</th>" +
    ["mean", "median", "min", "max", "p05", "p95"].map((k) => `<th>${k}</th>`).join("") + "</tr>\n";
  for (const [name, g] of groups) {
    for (const [key, title] of METRICS) {
      const st = g[key] as Summary | null;
      s += `<tr><td>${escapeXml(name)}</td><td>${title}</td><td>${num(g.n)}</td>` +
        (["mean", "median", "min", "max", "p05", "p95"] as const)
          .map((k) => `<td>${num(st?.[k])}</td>`).join("") +
        "</tr>\n";
    }
  }
  return s + "</table>\n";
}

function keyValues(obj: Json | undefined): string {
  if (!obj) return "<p>–</p>";
  return "<table>" +
    Object.entries(obj).map(([k, v]) =>
      `<tr><th>${escapeXml(k)}</th><td>${
        typeof v === "object" && v !== null ? escapeXml(JSON.stringify(v)) : num(v)
      }</td></tr>`
    ).join("\n") + "</table>\n";
}

const SWEEP_COLUMNS = [
  ["images", "images"],
  ["skipped", "left out"],
  ["median_ratio", "median ratio"],
  ["mean_ratio", "mean ratio"],
  ["aggregate_ratio", "Σ raw / Σ code"],
  ["median_rms_rel", "median RMS rel."],
  ["median_rel_l2", "median rel. L2"],
  ["median_max_rel", "median max rel."],
  ["max_max_rel", "largest max rel."],
  ["pixels_over_bound", "pixels over R"],
  ["predicted", "prediction used"],
] as const;

/** The rate–distortion section: figure, one row per configuration, notes. */
function sweepSection(sweep: (SweepResult & { figure: string }) | undefined): string {
  if (!sweep) return "";
  const setting = (p: SweepPoint) =>
    p.threshold !== undefined ? `threshold ${p.threshold}` : `R = ${p.bound}`;
  const rows = sweep.points.map((p) =>
    `<tr><td>${escapeXml(SWEEP_CODERS[p.coder])}</td><td>${escapeXml(setting(p))}</td>` +
    SWEEP_COLUMNS.map(([k]) => `<td>${num(p[k])}</td>`).join("") + "</tr>"
  );
  return `<h2>Rate–distortion (first ${sweep.images} images)</h2>
<figure><img src="${escapeXml(sweep.figure)}" alt="rate–distortion"></figure>
<table><tr><th>coder</th><th>setting</th>${
    SWEEP_COLUMNS.map(([, t]) => `<th>${t}</th>`).join("")
  }</tr>
${rows.join("\n")}</table>
<p>Ratios: raw float32 bytes ÷ code bytes per image (the model code's side information and the
bounded record's length prefix included). ${sweep.notes.map(escapeXml).join(" ")}</p>
`;
}

/** The HTML page for `summary` (as written to summary.json). */
export function htmlReport(summary: Json): string {
  const families = Object.entries((summary.families ?? {}) as Record<string, Json>);
  const baselines = (summary.baselines ?? {}) as Record<string, Json>;
  const groups: [string, Json][] = [["all (sparse AE)", summary]];
  if (baselines.hourglass) groups.push(["all (hourglass)", baselines.hourglass]);
  const figures = (summary.figures ?? []) as string[];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sasquash evaluation</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f4f4f4}
figure{display:inline-block;margin:0.5em}</style></head><body>
<h1>sasquash evaluation: ${num(summary.n)} images</h1>
<h2>Model</h2>${keyValues(summary.model as Json)}
<h2>Source</h2>${keyValues(summary.source as Json)}
<h2>Summary</h2>${statsTable(groups)}
<h2>Aggregates</h2>${keyValues(summary.aggregate as Json)}${keyValues(summary.errors as Json)}
<h2>Code size</h2>${keyValues(summary.code_size as Json)}
<h2>k-NN classification</h2>${keyValues(summary.knn as Json | undefined)}
<h2>Baselines</h2>${
    Object.entries(baselines).map(([k, v]) =>
      `<h3>${escapeXml(k)}</h3>${k === "hourglass" ? keyValues(v.aggregate as Json) : keyValues(v)}`
    ).join("\n")
  }
${sweepSection(summary.sweep as (SweepResult & { figure: string }) | undefined)}<h2>Figures</h2>
${
    figures.map((f) => `<figure><img src="${escapeXml(f)}" alt="${escapeXml(f)}"></figure>`).join(
      "\n",
    )
  }
<h2>Per model family</h2>${statsTable(families)}
</body></html>
`;
}
