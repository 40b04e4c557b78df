/**
 * Joining the shard files of one run (`generate --shard k/N`) into the one-run file: each shard
 * is verified, the headers must be equal and the shards contiguous; the output is byte for byte
 * what one unsharded run writes.
 * @module
 */
import { FormatError } from "./errors.ts";
import { encodeHeaderLine } from "./record_format.ts";
import { readRecords, RecordFileWriter } from "./record_stream.ts";

/** Merge shard files, in order, into `out`; returns the item count. */
export async function mergeRecordFiles(
  paths: readonly string[],
  out: string,
): Promise<{ images: number }> {
  if (paths.length === 0) throw new FormatError("merge: no input files");
  const first = await readRecords(paths[0]);
  const headerLine = encodeHeaderLine(first.header);
  let writer: RecordFileWriter | undefined;
  let next: number | undefined;
  let images = 0;
  try {
    for (const [i, path] of paths.entries()) {
      const source = i === 0 ? first : await readRecords(path);
      if (encodeHeaderLine(source.header) !== headerLine) {
        throw new FormatError(`${path}: its header differs from ${paths[0]}'s (another run)`);
      }
      if (source.header.version === 1) {
        throw new FormatError(`${path}: version-1 files carry no positions and cannot be merged`);
      }
      let read = 0;
      for await (const chunk of source.chunks) {
        const at = source.extent.first! + read;
        read += chunk.count;
        if (next !== undefined && at !== next) {
          throw new FormatError(
            `${path}: starts at item ${at}, expected ${next} (a shard is missing or out of order)`,
          );
        }
        writer ??= await RecordFileWriter.open(out, first.header, { first: at });
        await writer.write(chunk);
        images += chunk.count;
        next = at + chunk.count;
      }
    }
    writer ??= await RecordFileWriter.open(out, first.header);
  } catch (e) {
    await writer?.abort(e);
    throw e;
  }
  await writer.commit();
  return { images };
}
