/**
 * Minimal PNG writer (8-bit RGB, no interlace) for heatmaps embedded in SVG figures. The zlib
 * stream comes from `CompressionStream("deflate")`, the chunk CRCs from node:zlib.
 * @module
 */
import { crc32 } from "node:zlib";
import { colormapRgb } from "./svg_plot.ts";

/** PNG file bytes of an RGB image (`rgb` holds width·height·3 bytes, row-major). */
export async function encodePng(
  rgb: Uint8Array,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const raw = new Uint8Array(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) {
    // Each scanline starts with filter type 0 (none).
    raw.set(rgb.subarray(y * 3 * width, (y + 1) * 3 * width), y * (1 + 3 * width) + 1);
  }
  const zlib = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate")))
      .arrayBuffer(),
  );
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlib),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)) >>> 0);
  return out;
}

/** RGB bytes of `values` mapped through the figure colormap over [lo, hi]. */
export function colorize(values: ArrayLike<number>, lo: number, hi: number): Uint8Array {
  const rgb = new Uint8Array(values.length * 3);
  const span = hi - lo || 1;
  for (let i = 0; i < values.length; i++) {
    rgb.set(colormapRgb((values[i] - lo) / span), 3 * i);
  }
  return rgb;
}
