/**
 * Images from whatever a task's `--data` names, as one {@link RecordSource}: a stream file (as
 * {@link readRecords} reads it), one measured file (NXcanSAS, QxQy or RKH table), or many
 * measured files by a glob (`night/*.h5`, sorted) or a list file (`@runs.txt`, in its order),
 * each file one float64 image of its intensity I.
 *
 * A measured image enters as measured, negative and zero pixels included (the log transforms
 * floor them; evaluation's relative errors skip zero pixels). Masked pixels (NXcanSAS `mask`, a
 * mask column) become 0; a NaN or infinite I at an unmasked pixel is a FormatError naming the file
 * and the pixel. Every file must have the first one's [height, width].
 * @module
 */
import { FormatError, UsageError } from "./errors.ts";
import { expandGlob, isGlob, readInputList } from "./input_files.ts";
import type { Measurement } from "./measurement.ts";
import { isMeasurementPath, MEASUREMENT_EXTENSIONS, readMeasurement } from "./measurement_file.ts";
import { checkPath } from "./path_check.ts";
import { type Chunk, type ImageLabel, makeChunk, makeHeader } from "./record_format.ts";
import { readRecords, type RecordSource } from "./record_stream.ts";

/** How {@linkcode openRecordSource} reads measured files. */
export interface RecordSourceOptions {
  /** NXcanSAS: the SASentry to read in every file (default: the first with 2-D data). */
  entry?: string;
  /** The flag that named the source, without `--`, for messages (default `data`). */
  flag?: string;
}

/**
 * Opens `spec`: a stream file or `-`, a measured file, a glob of measured files or `@LIST`.
 * @example
 * ```ts
 * const { header, chunks } = await openRecordSource("night/*.h5", { entry: "sasentry01" });
 * ```
 */
export async function openRecordSource(
  spec: string,
  options: RecordSourceOptions = {},
): Promise<RecordSource> {
  const flag = options.flag ?? "data";
  const files = await measuredFiles(spec, flag);
  if (files !== null) return await measuredSource(files, spec, options.entry);
  if (options.entry !== undefined) {
    throw new UsageError(`--entry reads NXcanSAS files; --${flag} ${spec} is a stream`);
  }
  await checkPath(spec, "in-file", flag);
  return await readRecords(spec);
}

/** The measured files `spec` names, or null when it names a stream. */
async function measuredFiles(spec: string, flag: string): Promise<string[] | null> {
  let files: string[];
  if (spec.startsWith("@")) files = await readInputList(spec.slice(1), `--${flag}`);
  else if (isGlob(spec)) files = await expandGlob(spec, `--${flag}`);
  else if (isMeasurementPath(spec)) {
    await checkPath(spec, "in-file", flag);
    return [spec];
  } else return null;
  const other = files.find((f) => !isMeasurementPath(f));
  if (other !== undefined) {
    throw new UsageError(
      `--${flag} ${spec}: ${other} is not a measured file (${MEASUREMENT_EXTENSIONS.join(" ")}); ` +
        `a glob or list names measured files only`,
    );
  }
  return files;
}

/**
 * I of `m` as an image for training and evaluation: masked pixels 0, and a FormatError naming
 * the file and the pixel where an unmasked I is NaN or infinite.
 */
export function measuredImage(m: Measurement): Float64Array {
  const image = Float64Array.from(m.intensity);
  for (let i = 0; i < image.length; i++) {
    if (m.mask !== null && m.mask[i] !== 0) image[i] = 0;
    else if (!Number.isFinite(image[i])) {
      const [row, column] = [Math.floor(i / m.width), i % m.width];
      throw new FormatError(
        `${m.provenance.file}: I is ${image[i]} at pixel ${i} (row ${row}, column ${column}); ` +
          `training and evaluation need finite intensities: mask the pixel or leave the file out`,
      );
    }
  }
  return image;
}

/** The stream of `files`, one image each, read one file at a time as the consumer pulls. */
async function measuredSource(
  files: string[],
  spec: string,
  entry: string | undefined,
): Promise<RecordSource> {
  let next: Measurement | undefined = await readMeasurement(files[0], { entry });
  const shape = [next.height, next.width];
  const header = makeHeader(
    shape,
    { n: files.length, source: { measured: files, ...(entry === undefined ? {} : { entry }) } },
    "float64",
  );
  const extent = { first: 0, items: 0, chunks: 0 };
  const chunks = new ReadableStream<Chunk>({
    async pull(controller) {
      const k = extent.items;
      if (k === files.length) return controller.close();
      const m = next ?? await readMeasurement(files[k], { entry });
      next = undefined;
      if (m.height !== shape[0] || m.width !== shape[1]) {
        throw new FormatError(
          `${files[k]}: ${m.height}×${m.width} image, but ${files[0]} is ${shape[0]}×${
            shape[1]
          }; every file of ${spec} must have one shape`,
        );
      }
      const label: ImageLabel = { index: k, source: files[k] };
      if (m.title) label.title = m.title;
      if (m.provenance.entry) label.entry = m.provenance.entry;
      controller.enqueue(makeChunk(shape, measuredImage(m), [label]));
      extent.items++;
      extent.chunks++;
    },
  });
  return { header, chunks, extent };
}
