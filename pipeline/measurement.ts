/**
 * One measured 2-D SAS data set in memory (issue 8): intensity, uncertainty, mask and q grid on
 * a `height × width` detector image, with units, title and where it came from. Readers
 * (`qxqy_ascii.ts`, `nxcansas.ts`) produce it, writers take it back to a file.
 * @module
 */

import { FormatError } from "./errors.ts";

/** A lossless array the reader kept beside the measurement (ASCII extra columns, HDF5 datasets). */
export interface NamedColumn {
  /** Column or dataset name (`Qz`, `SigmaQ_parall`, …). */
  name: string;
  /** One value per pixel, row-major like `intensity`. */
  values: Float64Array;
}

/** What a reader understood of a file, in the order a writer needs it back. */
export interface Measurement {
  /** Image rows (distinct Qy on a regular grid; 1 for an unstructured list of points). */
  height: number;
  /** Image columns (distinct Qx). */
  width: number;
  /** I, row-major `[iy][ix]`, exactly as read (float64). */
  intensity: Float64Array;
  /** err(I) / Idev per pixel, or null when the file gives none. */
  sigma: Float64Array | null;
  /** Per pixel, non-zero = excluded from analysis (NXcanSAS convention); null: no mask. */
  mask: Uint8Array | null;
  /** Qx and Qy per pixel, exactly as read. */
  qx: Float64Array;
  qy: Float64Array;
  /** True when Qx depends on the column only and Qy on the row only. */
  separable: boolean;
  /** Further per-pixel columns (ASCII `Qz SigmaQx SigmaQy …`). */
  extra: NamedColumn[];
  /** Units of Q and I as written in the file ("" when not given). */
  units: { q: string; intensity: string };
  /** Title of the measurement ("" when not given). */
  title: string;
  /** Source file, its format and, for HDF5, the entry and data group read. */
  provenance: {
    file: string;
    format: "nxcansas" | "qxqy-ascii" | "rkh-ascii";
    entry?: string;
    data?: string;
  };
  /**
   * Everything else the reader understood, for the writer of the same format: ASCII header
   * lines, or the HDF5 tree (groups, attributes, small datasets) — JSON-serializable.
   */
  attributes: Record<string, unknown>;
}

/** The distinct row and column coordinates of a separable grid, or null when it is not one. */
export function gridAxes(
  m: Pick<Measurement, "height" | "width" | "qx" | "qy">,
): { qxAxis: Float64Array; qyAxis: Float64Array } | null {
  const { height, width, qx, qy } = m;
  const qxAxis = qx.slice(0, width);
  const qyAxis = new Float64Array(height);
  for (let r = 0; r < height; r++) qyAxis[r] = qy[r * width];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      if (!Object.is(qx[i], qxAxis[c]) || !Object.is(qy[i], qyAxis[r])) return null;
    }
  }
  return { qxAxis, qyAxis };
}

/** Throws a FormatError naming `where` unless every array has `height × width` entries. */
export function checkMeasurement(m: Measurement, where: string): void {
  const n = m.height * m.width;
  const arrays: [string, { length: number } | null][] = [
    ["I", m.intensity],
    ["err(I)", m.sigma],
    ["mask", m.mask],
    ["Qx", m.qx],
    ["Qy", m.qy],
    ...m.extra.map((c) => [c.name, c.values] as [string, Float64Array]),
  ];
  for (const [name, a] of arrays) {
    if (a !== null && a.length !== n) {
      throw new FormatError(
        `${where}: ${name} has ${a.length} values, expected ${m.height}×${m.width} = ${n}`,
      );
    }
  }
}

/**
 * A measured file's exact q grid for the generator: its Qx and Qy axes when the grid is
 * separable, else Qx and Qy per pixel (row-major `[iy][ix]`). A FormatError names the file and
 * the first Qx or Qy that is not a finite number.
 */
export function measuredGrid(
  m: Measurement,
): { qx: number[]; qy: number[] } | { height: number; width: number; qx: number[]; qy: number[] } {
  const { height, width, qx, qy } = m;
  for (const [name, values] of [["Qx", qx], ["Qy", qy]] as const) {
    const i = values.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) {
      throw new FormatError(
        `${m.provenance.file}: ${name} of pixel ${i} (row ${Math.floor(i / width)}, column ${
          i % width
        }) is ${values[i]}, expected a finite q`,
      );
    }
  }
  const axes = gridAxes(m);
  if (axes) return { qx: Array.from(axes.qxAxis), qy: Array.from(axes.qyAxis) };
  return { height, width, qx: Array.from(qx), qy: Array.from(qy) };
}
