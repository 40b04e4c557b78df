/** `deno task decompress`: `.sqz` codes → reconstructed images in the stream format. */
import { FormatError, TrainedModelError } from "../pipeline/errors.ts";
import { makeHeader } from "../pipeline/record_format.ts";
import { writeRecords } from "../pipeline/record_stream.ts";
import { Progress, ProgressCountStream } from "../pipeline/progress.ts";
import { DecompressStream, type ModelCodec, openModelCodec } from "../codec/model_codec.ts";
import { BoundedDecompressStream } from "../codec/bounded_records.ts";
import { SqzReaderStream, type SqzRecord } from "../codec/sqz_container.ts";
import { UnpackLabelsStream } from "../codec/label_blocks.ts";
import { readSqzFileHeader } from "../codec/sqz_file_header.ts";
import { hexId } from "../codec/sqz_header.ts";
import { decompressMeasurementWithModel } from "../codec/measurement_model.ts";
import { isMeasurementPath, writeMeasurement } from "../pipeline/measurement_file.ts";
import { writeMeasurementStream } from "../pipeline/measurement_stream.ts";
import { runTask, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "decompress",
  usage: "[--model DIR] --in data.sqz --out recon.ndjson[.gz]|recon.h5|recon.dat",
  summary: "Decode a .sqz file made by `deno task compress` into images. Sparse codes and\n" +
    "error-bounded files made with a model prediction need that model; model-free error-bounded\n" +
    "files need none. Another model, a bad checksum or a truncated file is a clear error.\n" +
    "A measured file's .sqz is written back as NXcanSAS (.h5, .nxs), a QxQy table (.dat) or\n" +
    "a one-image stream (.ndjson[.gz]: I as the image, grid and metadata in the header).",
  flags: {
    model: {
      type: "string",
      help: "the trained model folder the file was made with (when it was made with one)",
      arg: "DIR",
      path: "in-dir",
    },
    in: { type: "string", help: "input .sqz", arg: "FILE", path: "in-file", required: true },
    out: {
      type: "string",
      help: "output .ndjson[.gz] ('-' = stdout); measured files also .h5 or .dat",
      arg: "FILE",
      path: "out-file",
      required: true,
    },
  },
} satisfies TaskSpec;

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const fileHeader = await readSqzFileHeader(flags.in);
    const measurement = fileHeader.records === "measurement";
    const bounded = fileHeader.records === "bounded";
    const needsModel = !(bounded || measurement) || fileHeader.modelId.length > 0;
    if (needsModel && flags.model === undefined) {
      throw new TrainedModelError(
        `${flags.in}: made with model ${hexId(fileHeader.modelId)}; pass its folder with --model`,
      );
    }
    const codec: ModelCodec | null = needsModel
      ? await openModelCodec(flags.model!, { gapModelId: fileHeader.gapModelId })
      : null;
    if (measurement) {
      const bytes = await Deno.readFile(flags.in);
      const m = await decompressMeasurementWithModel(bytes, flags.in, codec);
      codec?.model.dispose();
      if (isMeasurementPath(flags.out)) await writeMeasurement(flags.out, m);
      else await writeMeasurementStream(flags.out, m);
      if (!flags.quiet && flags.out !== "-") {
        const how = codec ? ", with the model's prediction" : "";
        console.error(`decompress: ${m.height}×${m.width} measurement${how} → ${flags.out}`);
      }
      return;
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(flags.in, { read: true });
    } catch {
      throw new FormatError(`${flags.in}: cannot open`);
    }
    const reader = new SqzReaderStream({
      name: flags.in,
      expectModelId: codec?.modelId,
      expectGapModelId: codec?.gapModel.id,
    });
    const unpack = fileHeader.packedLabels
      ? new UnpackLabelsStream(flags.in)
      : new TransformStream<SqzRecord, SqzRecord>();
    const records = file.readable.pipeThrough(reader).pipeThrough(unpack);
    reader.header.catch(() => {}); // its error also ends the record stream, reported there
    const progress = new Progress("decompress", undefined, {
      quiet: flags.quiet || flags.out === "-",
    });
    const out = makeHeader([fileHeader.height, fileHeader.width], {
      source: { sqz: flags.in, model: hexId(fileHeader.modelId) },
    });
    const decoder = bounded
      ? new BoundedDecompressStream(fileHeader, codec, 256, flags.in)
      : new DecompressStream(codec!, reader.header, 256, flags.in);
    const chunks = records.pipeThrough(decoder).pipeThrough(new ProgressCountStream(progress));
    const { images } = await writeRecords(flags.out, out, chunks);
    progress.done(`${images} images → ${flags.out}`);
    codec?.model.dispose();
  });
}
