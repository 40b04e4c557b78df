/**
 * The detector grids images are rendered on: the generator's `linspace(-qmax, qmax, size)` on
 * both axes, or a measured file's exact grid (its Qx and Qy axes, or Qx and Qy per pixel).
 * @module
 */

/** How many points sasmodels' Pinhole2D places around each pixel (3×4, 5×6, 5×12, 10×20). */
export type Accuracy = "low" | "med" | "high" | "xhigh";

/** `qx = qy = linspace(-qmax, qmax, size)`: the generator's square detector. */
export interface LinspaceGrid {
  qmax: number;
  size: number;
}

/** A separable measured grid: pixel `[iy][ix]` is at `(qx[ix], qy[iy])`, any values. */
export interface AxesGrid {
  /** Qx of each column (width values). */
  qx: number[];
  /** Qy of each row (height values). */
  qy: number[];
}

/** A measured grid given per pixel: pixel `k = iy·width + ix` is at `(qx[k], qy[k])`. */
export interface PixelGrid {
  height: number;
  width: number;
  qx: number[];
  qy: number[];
}

/** Where the pixels are, without smearing: the header's `q` field. */
export type QGrid = LinspaceGrid | AxesGrid | PixelGrid;

/** Pinhole smearing of every pixel. */
export interface Smearing {
  /** Pinhole smearing dq/q in [0, 1), radial = perpendicular (sasmodels empty_data2D); 0 = off. */
  resolution?: number;
  /** Oversampling of the smearing (default "low"); ignored when resolution is 0. */
  accuracy?: Accuracy;
}

/** A detector grid and the smearing of its pixels. */
export type Grid = QGrid & Smearing;

/** `[height, width]` of the images rendered on `grid`. */
export function gridShape(grid: QGrid): [number, number] {
  if ("qmax" in grid) return [grid.size, grid.size];
  if ("height" in grid) return [grid.height, grid.width];
  return [grid.qy.length, grid.qx.length];
}

/** The grid alone, without smearing: what a stream header records as `q`. */
export function gridSpec(grid: QGrid): QGrid {
  if ("qmax" in grid) return { qmax: grid.qmax, size: grid.size };
  if ("height" in grid) {
    return { height: grid.height, width: grid.width, qx: grid.qx, qy: grid.qy };
  }
  return { qx: grid.qx, qy: grid.qy };
}

/** The header's `layout` text: how a pixel index maps to the `q` field. */
export function gridLayout(grid: QGrid): string {
  if ("qmax" in grid) return "[iy][ix], qx = qy = linspace(-qmax, qmax, size)";
  if ("height" in grid) return "[iy][ix], pixel k = iy*width+ix at (q.qx[k], q.qy[k])";
  return "[iy][ix], pixel (iy, ix) at (q.qx[ix], q.qy[iy])";
}
