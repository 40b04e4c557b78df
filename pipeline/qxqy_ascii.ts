/**
 * 2-D ASCII QxQy tables (NIST/IGOR `Qx Qy I(Qx,Qy) err(I)`, optional `Qz SigmaQ_parall
 * SigmaQ_perp …`), read as SasView's 2-D ASCII reader (sasdata `red2d_reader`) reads them: any
 * header lines, the data after the `Data columns …` line when there is one, otherwise from the
 * first line of numbers; whitespace or commas between numbers; at least Qx, Qy and I.
 * @module
 */

import { FormatError } from "./errors.ts";
import { checkMeasurement, gridAxes, type Measurement, type NamedColumn } from "./measurement.ts";

/** Names of columns 1–7 when the header gives none (sasdata's order). */
const DEFAULT_COLUMNS = ["Qx", "Qy", "I", "err(I)", "Qz", "SigmaQ_parall", "SigmaQ_perp"];
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|NaN|inf|Inf|infinity)$/;

/** Parses one token; NaN and ±inf as numpy writes them. */
function parseNumber(token: string): number {
  if (!NUMBER.test(token)) return Number.NaN;
  const t = token.toLowerCase().replace(/^\+/, "");
  if (t === "nan" || t === "-nan") return Number.NaN;
  if (t.endsWith("inf") || t.endsWith("infinity")) return t.startsWith("-") ? -Infinity : Infinity;
  return Number(token);
}

const split = (line: string) => line.trim().split(/[\s,]+/).filter((t) => t !== "");
const numeric = (tokens: string[]) => tokens.length >= 3 && tokens.every((t) => NUMBER.test(t));

/** Reads a QxQy table from its text; `file` names it in errors and in the provenance. */
export function parseQxQyTable(text: string, file: string): Measurement {
  if (text.includes("\0")) {
    throw new FormatError(`${file}: binary data, not a 2-D QxQy ASCII table or NXcanSAS file`);
  }
  const lines = text.split(/\r?\n|\r/);
  const labelAt = lines.findIndex((l) => /data columns/i.test(l));
  let start = labelAt + 1;
  // Without a label line, a header's line of instrument values (NIST: "MON CNT LAMBDA …" then
  // numbers) is not data: data starts at a line of numbers followed by one with as many.
  const startsData = (i: number) => {
    const tokens = split(lines[i]);
    if (!numeric(tokens) || labelAt >= 0) return numeric(tokens);
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === "") j++;
    return j >= lines.length || split(lines[j]).length === tokens.length;
  };
  while (start < lines.length && !startsData(start)) {
    if (labelAt < 0 && start > 200) break;
    start++;
  }
  if (start >= lines.length || !numeric(split(lines[start]))) {
    const first = lines.find((l) => l.trim() !== "")?.trim().slice(0, 60) ?? "an empty file";
    throw new FormatError(
      `${file}: not a 2-D QxQy ASCII table (no line of ≥ 3 numbers; found "${first}")`,
    );
  }
  const ncol = split(lines[start]).length;
  const cols = Array.from({ length: ncol }, () => [] as number[]);
  for (let i = start; i < lines.length; i++) {
    const tokens = split(lines[i]);
    if (tokens.length === 0) continue;
    if (tokens.length !== ncol) {
      throw new FormatError(
        `${file}:${i + 1}: ${tokens.length} columns, expected ${ncol} as on line ${start + 1}`,
      );
    }
    tokens.forEach((t, j) => {
      if (!NUMBER.test(t)) {
        throw new FormatError(`${file}:${i + 1}: column ${j + 1} is "${t}", expected a number`);
      }
      cols[j].push(parseNumber(t));
    });
  }
  const names = columnNames(labelAt < 0 ? "" : lines[labelAt], ncol);
  const rows = cols[0].length;
  const [height, width] = gridShape(cols[1]);
  const maskAt = names.findIndex((n, j) => j >= 4 && /mask/i.test(n));
  const extra: NamedColumn[] = [];
  for (let j = 4; j < ncol; j++) {
    if (j !== maskAt) extra.push({ name: names[j], values: Float64Array.from(cols[j]) });
  }
  const m: Measurement = {
    height,
    width,
    intensity: Float64Array.from(cols[2]),
    sigma: ncol > 3 ? Float64Array.from(cols[3]) : null,
    mask: maskAt < 0 ? null : Uint8Array.from(cols[maskAt], (v) => (v === 0 ? 0 : 1)),
    qx: Float64Array.from(cols[0]),
    qy: Float64Array.from(cols[1]),
    separable: false,
    extra,
    // sasdata's 2-D ASCII reader assumes 1/A and 1/cm
    units: { q: "1/A", intensity: "1/cm" },
    title: file.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, ""),
    provenance: { file, format: "qxqy-ascii" },
    attributes: { header: lines.slice(0, start), columns: names, rows },
  };
  m.separable = gridAxes(m) !== null;
  checkMeasurement(m, file);
  return m;
}

/** Reads a QxQy table from a file. */
export async function readQxQyTable(path: string): Promise<Measurement> {
  return parseQxQyTable(await Deno.readTextFile(path), path);
}

/** Column names from a `Data columns Qx - Qy - I(Qx,Qy) - err(I) …` line, or sasdata's. */
function columnNames(label: string, ncol: number): string[] {
  const given = label.replace(/^.*data columns( are)?/i, "").split(/\s+-\s+/)
    .map((s) => s.trim()).filter((s) => s !== "");
  return Array.from({ length: ncol }, (_, j) => given[j] ?? DEFAULT_COLUMNS[j] ?? `col${j + 1}`);
}

/** Rows and columns: the run length of the first Qy is the width when it divides the rows. */
function gridShape(qy: number[]): [number, number] {
  let width = 1;
  while (width < qy.length && Object.is(qy[width], qy[0])) width++;
  return qy.length % width === 0 ? [qy.length / width, width] : [1, qy.length];
}

/** The table as text: the header the reader kept (or a NIST one), then one row per pixel. */
export function formatQxQyTable(m: Measurement): string {
  const header = m.provenance.format === "qxqy-ascii" && Array.isArray(m.attributes.header)
    ? m.attributes.header as string[]
    : [
      `Data columns ${["Qx", "Qy", "I(Qx,Qy)", ...(m.sigma ? ["err(I)"] : [])].join(" - ")}`,
      "ASCII data",
    ];
  const columns: ArrayLike<number>[] = [m.qx, m.qy, m.intensity];
  if (m.sigma) columns.push(m.sigma);
  for (const c of m.extra) columns.push(c.values);
  const names = m.attributes.columns as string[] | undefined;
  const maskAt = names?.findIndex((n, j) => j >= 4 && /mask/i.test(n)) ?? -1;
  if (m.mask && maskAt >= 0) columns.splice(maskAt, 0, m.mask);
  const out = [...header];
  const n = m.height * m.width;
  for (let i = 0; i < n; i++) out.push(columns.map((c) => String(c[i])).join("  "));
  return out.join("\n") + "\n";
}
