/** `deno task compress`: images → `.sqz` sparse codes with a trained model. */
import { readRecords } from "../pipeline/record_stream.ts";
import { Progress, ProgressCountStream } from "../pipeline/progress.ts";
import { atomicWritable } from "../pipeline/atomic_file.ts";
import { CompressStream, openModelCodec } from "../codec/model_codec.ts";
import { SqzWriterStream } from "../codec/sqz_container.ts";
import { CODE_FLAGS } from "./_codec_flags.ts";
import { runTask, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "compress",
  usage: "--model DIR --in data.ndjson[.gz] --out data.sqz",
  summary:
    "Encode every image with the trained model and write its sparse code (index gaps range-\n" +
    "coded under the model's gap distribution, non-zero values quantized) to a .sqz container.",
  flags: {
    model: {
      type: "string",
      help: "trained model folder (deno task train --out)",
      arg: "DIR",
      path: "in-dir",
      required: true,
    },
    in: {
      type: "string",
      help: "images in the stream format ('-' = stdin)",
      arg: "FILE",
      path: "in-file",
      required: true,
    },
    out: { type: "string", help: "output .sqz", arg: "FILE", path: "out-file", required: true },
    ...CODE_FLAGS,
  },
  examples: ["deno task compress --model runs/cpu --in test.ndjson.gz --out test.sqz"],
} satisfies TaskSpec;

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const codec = await openModelCodec(flags.model, {
      quant: flags.quant,
      threshold: flags.threshold,
    });
    const { header, chunks } = await readRecords(flags.in);
    const progress = new Progress("compress", typeof header.n === "number" ? header.n : undefined, {
      quiet: flags.quiet,
    });
    const counted = new ProgressCountStream(progress);
    await chunks
      .pipeThrough(counted)
      .pipeThrough(new CompressStream(codec, flags.in))
      .pipeThrough(new SqzWriterStream(codec.header))
      .pipeTo(atomicWritable(flags.out));
    const size = (await Deno.stat(flags.out)).size;
    progress.done(
      `${counted.bytes} → ${size} bytes (ratio ${
        (counted.bytes / size).toFixed(1)
      }×) → ${flags.out}`,
    );
    codec.model.dispose();
  });
}
