/**
 * A measurement as a stream-format image (stream version 1, unchanged): I as one float32 image
 * of `[height, width]`; the q grid, units, title and provenance in the header (`measurement`);
 * err(I), the mask and a non-separable grid in the image's label, as exact JSON numbers.
 * @module
 */

import { gridAxes, type Measurement } from "./measurement.ts";
import { type Chunk, makeHeader, type StreamHeader } from "./record_format.ts";
import { writeRecords } from "./record_stream.ts";

/** The header and the one chunk that carry `m` in the stream format. */
export function measurementRecords(m: Measurement): { header: StreamHeader; chunk: Chunk } {
  const axes = gridAxes(m);
  const header = makeHeader([m.height, m.width], {
    source: { measurement: m.provenance },
    measurement: {
      units: m.units,
      title: m.title,
      // Regular grid: one axis each; otherwise Qx and Qy per pixel in the label.
      grid: axes ? { qx: Array.from(axes.qxAxis), qy: Array.from(axes.qyAxis) } : null,
    },
  });
  const label: Record<string, unknown> = { index: 0, title: m.title, source: m.provenance.file };
  if (m.provenance.entry) label.entry = m.provenance.entry;
  if (m.sigma) label.sigma = Array.from(m.sigma);
  if (m.mask) label.mask = Array.from(m.mask);
  if (!axes) [label.qx, label.qy] = [Array.from(m.qx), Array.from(m.qy)];
  const chunk: Chunk = {
    count: 1,
    shape: [m.height, m.width],
    dtype: "float32",
    labels: [label],
    data: Float32Array.from(m.intensity),
  };
  return { header, chunk };
}

/** Writes `m` as a one-image stream file (`.ndjson[.gz]`, `-` for stdout). */
export async function writeMeasurementStream(path: string, m: Measurement): Promise<void> {
  const { header, chunk } = measurementRecords(m);
  await writeRecords(path, header, [chunk]);
}
