/**
 * A small dependency-free SVG plotting helper: axes with ticks, step histograms (as densities),
 * line/point series, and heatmaps drawn as rects. Enough for the evaluation figures.
 * @module
 */

/** One curve of a line plot. */
export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  /** "line" (default), "points" or "steps". */
  style?: "line" | "points" | "steps";
  /** Also mark each point of a line with a dot (for curves of a few measured points). */
  markers?: boolean;
}

/** Axes of a plot: labels, log scales and explicit ranges. */
export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Plot log10(y) with 10^k tick labels; non-positive y values are dropped. */
  logY?: boolean;
  /** Tick labels on x are 10^k (x values are already log10). */
  log10xLabels?: boolean;
  width?: number;
  height?: number;
  /** Corner of the legend (default top right). */
  legend?: "top-right" | "top-left";
}

const MARGIN = { left: 64, right: 16, top: 30, bottom: 44 };

/** Escapes text for SVG/HTML. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}

/** Wraps SVG elements in a standalone document. */
export function svgDocument(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${body}</svg>\n`;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  for (let i = Math.ceil(lo / step); i * step <= hi + step * 1e-9; i++) {
    ticks.push(+(i * step).toPrecision(12));
  }
  return ticks;
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0)) {
    return v.toExponential(1).replace(".0e", "e");
  }
  return String(+v.toPrecision(3));
}

function extent(values: number[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) lo = Math.min(lo, v), hi = Math.max(hi, v);
  if (!(lo <= hi)) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

function pad([lo, hi]: [number, number], below: number, above: number): [number, number] {
  return [lo - below * (hi - lo), hi + above * (hi - lo)];
}

/** A line/point/step plot of several series as a standalone SVG. */
export function linePlot(series: LineSeries[], o: PlotOptions): string {
  const width = o.width ?? 480, height = o.height ?? 320;
  const pw = width - MARGIN.left - MARGIN.right, ph = height - MARGIN.top - MARGIN.bottom;
  const pts = series.map((s) => {
    const out: [number, number][] = [];
    for (let i = 0; i < s.x.length; i++) {
      const y = o.logY ? (s.y[i] > 0 ? Math.log10(s.y[i]) : NaN) : s.y[i];
      if (Number.isFinite(s.x[i]) && Number.isFinite(y)) out.push([s.x[i], y]);
    }
    return out;
  });
  const [x0, x1] = pad(extent(pts.flat().map((p) => p[0])), 0.02, 0.02);
  const ys = pts.flat().map((p) => p[1]);
  // Densities start at zero on a linear axis; log axes get a margin so edge points show.
  const [y0, y1] = pad(extent(o.logY ? ys : [0, ...ys]), o.logY ? 0.05 : 0, 0.05);
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => MARGIN.top + ph - ((y - y0) / (y1 - y0)) * ph;
  let body = axes(o, width, height, [x0, x1], [y0, y1], sx, sy);
  series.forEach((s, k) => {
    const p = pts[k];
    if (s.style === "points" || s.markers) {
      for (const [x, y] of p) {
        body += `<circle cx="${sx(x).toFixed(1)}" cy="${
          sy(y).toFixed(1)
        }" r="2" fill="${s.color}"/>\n`;
      }
    }
    if (s.style !== "points" && p.length) {
      const path = s.style === "steps"
        ? stepPath(p, sx, sy)
        : p.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
      body += `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="1.5"/>\n`;
    }
    const ly = MARGIN.top + 12 + 14 * k;
    const lx = o.legend === "top-left" ? MARGIN.left + 8 : width - MARGIN.right - 150;
    body += `<rect x="${lx}" y="${ly - 8}" width="10" height="10" fill="${s.color}"/>` +
      `<text x="${lx + 14}" y="${ly + 1}">${escapeXml(s.name)}</text>\n`;
  });
  return svgDocument(width, height, body);
}

function stepPath(
  p: [number, number][],
  sx: (x: number) => number,
  sy: (y: number) => number,
): string {
  let d = `M${sx(p[0][0]).toFixed(1)},${sy(p[0][1]).toFixed(1)}`;
  for (let i = 1; i < p.length; i++) {
    d += `H${sx(p[i][0]).toFixed(1)}V${sy(p[i][1]).toFixed(1)}`;
  }
  return d;
}

function axes(
  o: PlotOptions,
  width: number,
  height: number,
  [x0, x1]: [number, number],
  [y0, y1]: [number, number],
  sx: (x: number) => number,
  sy: (y: number) => number,
): string {
  const bottom = height - MARGIN.bottom;
  let s = `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${
    escapeXml(o.title)
  }</text>\n`;
  s += `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${width - MARGIN.left - MARGIN.right}" ` +
    `height="${bottom - MARGIN.top}" fill="none" stroke="#444"/>\n`;
  for (const t of niceTicks(x0, x1)) {
    const label = o.log10xLabels ? fmt(10 ** t) : fmt(t);
    s +=
      `<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${bottom}" y2="${
        bottom + 4
      }" stroke="#444"/>` +
      `<text x="${sx(t).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${label}</text>\n`;
  }
  for (const t of niceTicks(y0, y1)) {
    const label = o.logY ? fmt(10 ** t) : fmt(t);
    s +=
      `<line x1="${MARGIN.left - 4}" x2="${MARGIN.left}" y1="${sy(t).toFixed(1)}" y2="${
        sy(t).toFixed(1)
      }" stroke="#444"/>` +
      `<text x="${MARGIN.left - 6}" y="${
        (sy(t) + 4).toFixed(1)
      }" text-anchor="end">${label}</text>\n`;
  }
  s += `<text x="${width / 2}" y="${height - 8}" text-anchor="middle">${
    escapeXml(o.xLabel)
  }</text>\n`;
  s +=
    `<text transform="translate(14 ${
      (MARGIN.top + bottom) / 2
    }) rotate(-90)" text-anchor="middle">` +
    `${escapeXml(o.yLabel)}</text>\n`;
  return s;
}

/** Probability density of `values` over `bins` equal bins of [lo, hi]: bin left edges and heights. */
export function densityHistogram(
  values: ArrayLike<number>,
  lo: number,
  hi: number,
  bins: number,
): { x: Float64Array; y: Float64Array } {
  const counts = new Float64Array(bins + 1);
  const width = (hi - lo) / bins || 1;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
    total++;
  }
  const x = new Float64Array(bins + 1), y = new Float64Array(bins + 1);
  for (let b = 0; b <= bins; b++) {
    x[b] = lo + b * width;
    y[b] = total ? counts[Math.min(b, bins - 1)] / (total * width) : 0;
  }
  return { x, y };
}

const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/** RGB for t in [0, 1] on a viridis-like ramp (non-finite t maps to 0). */
export function colormapRgb(t: number): number[] {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(u)), f = u - i;
  return STOPS[i].map((a, j) => Math.round(a + f * (STOPS[i + 1][j] - a)));
}
