/**
 * ISIS/Mantid "RKH" (COLETTE) 2-D ASCII files, read as SasView's `ASCII2DLoader` reads them:
 * a title, Qx, Qy and I label lines, a count of user lines and those lines, then the Qx axis
 * (count, values), the Qy axis (count, values), `numqx numqy scale`, a flag (2: I only, 3: I and
 * err(I)) and the values, Qx fastest. Values may wrap over any number of lines.
 * @module
 */

import { FormatError } from "./errors.ts";
import { checkMeasurement, type Measurement } from "./measurement.ts";

const INTEGER = /^\d+$/;

/** True when the text has the RKH 2-D layout (line 5 counts user lines, then a Qx count). */
export function looksLikeRkh(lines: string[]): boolean {
  const users = lines[4]?.trim().split(/\s+/)[0] ?? "";
  if (!INTEGER.test(users)) return false;
  const count = lines[5 + Number(users)]?.trim() ?? "";
  return INTEGER.test(count) && Number(count) > 0;
}

/** Reads numbers from `lines` starting at line `at` until `n` are read; returns the next line. */
function readValues(lines: string[], at: number, n: number, file: string, what: string) {
  const out = new Float64Array(n);
  let filled = 0;
  let line = at;
  while (filled < n) {
    if (line >= lines.length) {
      throw new FormatError(`${file}:${line}: file ends after ${filled} of ${n} ${what} values`);
    }
    for (const t of lines[line].trim().split(/\s+/).filter((s) => s !== "")) {
      const v = Number(t);
      if (t === "" || Number.isNaN(v) && !/^[+-]?nan$/i.test(t)) {
        throw new FormatError(
          `${file}:${line + 1}: "${t}" in the ${what} values, expected a number`,
        );
      }
      if (filled === n) {
        throw new FormatError(`${file}:${line + 1}: more than ${n} ${what} values`);
      }
      out[filled++] = v;
    }
    line++;
  }
  return { values: out, next: line };
}

function integerAt(lines: string[], at: number, file: string, what: string): number {
  const t = lines[at]?.trim() ?? "";
  if (!INTEGER.test(t)) throw new FormatError(`${file}:${at + 1}: "${t}", expected ${what}`);
  return Number(t);
}

const unitsOf = (label: string) => /\(([^)]*)\)\s*$/.exec(label.trim())?.[1] ?? "";

/** Reads an RKH 2-D file's text; `file` names it in errors and in the provenance. */
export function parseRkh2D(text: string, file: string): Measurement {
  const lines = text.split(/\r?\n|\r/);
  if (!looksLikeRkh(lines)) throw new FormatError(`${file}: not an RKH 2-D ASCII file`);
  const users = Number(lines[4].trim().split(/\s+/)[0]);
  let at = 5 + users;
  const nx = integerAt(lines, at, file, "the number of Qx values");
  let r = readValues(lines, at + 1, nx, file, "Qx");
  const qxAxis = r.values;
  const ny = integerAt(lines, r.next, file, "the number of Qy values");
  r = readValues(lines, r.next + 1, ny, file, "Qy");
  const qyAxis = r.values;
  at = r.next;
  const dims = (lines[at] ?? "").trim().split(/\s+/).map(Number);
  if (dims.length !== 3 || !dims.every(Number.isFinite) || dims[0] > nx || dims[1] > ny) {
    throw new FormatError(
      `${file}:${at + 1}: "${lines[at]?.trim()}", expected <numqx ≤ ${nx}> <numqy ≤ ${ny}> <scale>`,
    );
  }
  const [width, height, scale] = dims;
  const flag = Number((lines[at + 1] ?? "").trim().split(/\s+/)[0]);
  if (flag !== 2 && flag !== 3) {
    throw new FormatError(`${file}:${at + 2}: flag "${lines[at + 1]?.trim()}", expected 2 or 3`);
  }
  const n = width * height;
  r = readValues(lines, at + 2, n, file, "I");
  const intensity = r.values;
  const sigma = flag === 3 ? readValues(lines, r.next, n, file, "err(I)").values : null;
  const qx = new Float64Array(n), qy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    qx[i] = qxAxis[i % width];
    qy[i] = qyAxis[Math.floor(i / width)];
  }
  const m: Measurement = {
    height,
    width,
    intensity,
    sigma,
    mask: null,
    qx,
    qy,
    separable: true,
    extra: [],
    units: { q: unitsOf(lines[1]), intensity: unitsOf(lines[3]) },
    title: lines[0].trim(),
    provenance: { file, format: "rkh-ascii" },
    attributes: { header: lines.slice(0, 5 + users), scale, flag },
  };
  checkMeasurement(m, file);
  return m;
}

/** An RKH 2-D file's text for `m` (its kept header, or a minimal one), 8 values a line. */
export function formatRkh2D(m: Measurement): string {
  const header = m.provenance.format === "rkh-ascii"
    ? m.attributes.header as string[]
    : [m.title, `Q_x (${m.units.q})`, `Q_y (${m.units.q})`, `I (${m.units.intensity})`, "0"];
  const rows = (a: ArrayLike<number>) => {
    const out = [];
    for (let i = 0; i < a.length; i += 8) out.push(Array.from(a).slice(i, i + 8).join(" "));
    return out;
  };
  const qyAxis = Array.from({ length: m.height }, (_, r) => m.qy[r * m.width]);
  const scale = (m.attributes.scale as number | undefined) ?? 1;
  return [
    ...header,
    String(m.width),
    ...rows(m.qx.slice(0, m.width)),
    String(m.height),
    ...rows(qyAxis),
    `${m.width} ${m.height} ${scale}`,
    m.sigma ? "3" : "2",
    ...rows(m.intensity),
    ...(m.sigma ? rows(m.sigma) : []),
  ].join("\n") + "\n";
}
