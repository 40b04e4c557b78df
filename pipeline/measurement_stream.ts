/**
 * A measurement as a stream-format image (stream version 1, unchanged): I as one float64 image
 * of `[height, width]`; the q grid, units, title, provenance and the reader's attributes in the
 * header (`measurement`); err(I), the mask, extra columns and a non-separable grid in the
 * image's label, as exact JSON numbers. {@link measurementFromStream} takes it back.
 * @module
 */

import { FormatError } from "./errors.ts";
import { gridAxes, type Measurement } from "./measurement.ts";
import { type Chunk, makeHeader, type StreamHeader } from "./record_format.ts";
import { readAllRecords, writeRecords } from "./record_stream.ts";

/** What a measurement stream's header holds under `measurement`. */
interface StreamMeasurement {
  units: Measurement["units"];
  title: string;
  grid: { qx: number[]; qy: number[] } | null;
  provenance: Measurement["provenance"];
  attributes: Record<string, unknown>;
}

/** The header and the one chunk that carry `m` in the stream format. */
export function measurementRecords(m: Measurement): { header: StreamHeader; chunk: Chunk } {
  const axes = gridAxes(m);
  const measurement: StreamMeasurement = {
    units: m.units,
    title: m.title,
    // Regular grid: one axis each; otherwise Qx and Qy per pixel in the label.
    grid: axes ? { qx: Array.from(axes.qxAxis), qy: Array.from(axes.qyAxis) } : null,
    provenance: m.provenance,
    attributes: m.attributes,
  };
  const header = makeHeader(
    [m.height, m.width],
    { source: { measurement: m.provenance }, measurement },
    "float64",
  );
  const label: Record<string, unknown> = { index: 0, title: m.title, source: m.provenance.file };
  if (m.provenance.entry) label.entry = m.provenance.entry;
  if (m.sigma) label.sigma = Array.from(m.sigma);
  if (m.mask) label.mask = Array.from(m.mask);
  if (m.extra.length) {
    label.extra = Object.fromEntries(m.extra.map((c) => [c.name, Array.from(c.values)]));
  }
  if (!axes) [label.qx, label.qy] = [Array.from(m.qx), Array.from(m.qy)];
  const chunk: Chunk = {
    count: 1,
    shape: [m.height, m.width],
    dtype: "float64",
    labels: [label],
    data: Float64Array.from(m.intensity),
  };
  return { header, chunk };
}

/** Writes `m` as a one-image stream file (`.ndjson[.gz]`, `-` for stdout). */
export async function writeMeasurementStream(path: string, m: Measurement): Promise<void> {
  const { header, chunk } = measurementRecords(m);
  await writeRecords(path, header, [chunk]);
}

/** The measurement a stream of {@link measurementRecords} carries; FormatError names `where`. */
export function measurementFromStream(
  header: StreamHeader,
  chunks: Chunk[],
  where: string,
): Measurement {
  const meta = header.measurement as StreamMeasurement | undefined;
  if (
    meta === undefined || chunks.length !== 1 || chunks[0].count !== 1 || header.shape.length !== 2
  ) {
    throw new FormatError(
      `${where}: not a measurement stream (convert --in FILE.h5|.dat writes one)`,
    );
  }
  const [height, width] = header.shape;
  const n = height * width;
  const label = chunks[0].labels[0] as Record<string, unknown>;
  const floats = (a: unknown, name: string) => {
    if (!Array.isArray(a) || a.length !== n || !a.every((v) => typeof v === "number")) {
      throw new FormatError(`${where}: label field ${name} is not ${n} numbers`);
    }
    return Float64Array.from(a);
  };
  let qx: Float64Array, qy: Float64Array;
  if (meta.grid) {
    qx = Float64Array.from({ length: n }, (_, i) => meta.grid!.qx[i % width]);
    qy = Float64Array.from({ length: n }, (_, i) => meta.grid!.qy[Math.floor(i / width)]);
  } else [qx, qy] = [floats(label.qx, "qx"), floats(label.qy, "qy")];
  const extra = Object.entries((label.extra ?? {}) as Record<string, unknown>)
    .map(([name, values]) => ({ name, values: floats(values, `extra.${name}`) }));
  return {
    height,
    width,
    intensity: Float64Array.from(chunks[0].data as ArrayLike<number>),
    sigma: label.sigma === undefined ? null : floats(label.sigma, "sigma"),
    mask: label.mask === undefined ? null : Uint8Array.from(floats(label.mask, "mask")),
    qx,
    qy,
    separable: meta.grid !== null,
    extra,
    units: meta.units,
    title: meta.title,
    provenance: meta.provenance,
    attributes: meta.attributes,
  };
}

/** Reads a measurement back from a stream file. */
export async function readMeasurementStream(path: string): Promise<Measurement> {
  const { header, chunks } = await readAllRecords(path);
  return measurementFromStream(header, chunks, path);
}
