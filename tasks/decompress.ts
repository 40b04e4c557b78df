/** `deno task decompress`: `.sqz` sparse codes → reconstructed images in the stream format. */
import { FormatError } from "../pipeline/errors.ts";
import { makeHeader } from "../pipeline/record_format.ts";
import { writeRecords } from "../pipeline/record_stream.ts";
import { Progress, ProgressCountStream } from "../pipeline/progress.ts";
import { DecompressStream, openModelCodec } from "../codec/model_codec.ts";
import { SqzReaderStream } from "../codec/sqz_container.ts";
import { hexId } from "../codec/sqz_header.ts";
import { runTask, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "decompress",
  usage: "--model DIR --in data.sqz --out recon.ndjson[.gz]",
  summary: "Decode a .sqz file made by `deno task compress` with the same model into images.\n" +
    "A file made with another model, a bad checksum or a truncated file is a clear error.",
  flags: {
    model: {
      type: "string",
      help: "the trained model folder the file was made with",
      arg: "DIR",
      path: "in-dir",
      required: true,
    },
    in: { type: "string", help: "input .sqz", arg: "FILE", path: "in-file", required: true },
    out: {
      type: "string",
      help: "output .ndjson[.gz] ('-' = stdout)",
      arg: "FILE",
      path: "out-file",
      required: true,
    },
  },
} satisfies TaskSpec;

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(flags.in, { read: true });
    } catch {
      throw new FormatError(`${flags.in}: cannot open`);
    }
    const codec = await openModelCodec(flags.model);
    const reader = new SqzReaderStream({
      name: flags.in,
      expectModelId: codec.modelId,
      expectGapModelId: codec.gapModel.id,
    });
    const records = file.readable.pipeThrough(reader);
    reader.header.catch(() => {}); // its error also ends the record stream, reported there
    const progress = new Progress("decompress", undefined, {
      quiet: flags.quiet || flags.out === "-",
    });
    const out = makeHeader([codec.header.height, codec.header.width], {
      source: { sqz: flags.in, model: hexId(codec.modelId) },
    });
    const chunks = records.pipeThrough(new DecompressStream(codec, reader.header, 256, flags.in))
      .pipeThrough(new ProgressCountStream(progress));
    const { images } = await writeRecords(flags.out, out, chunks);
    progress.done(`${images} images → ${flags.out}`);
  });
}
