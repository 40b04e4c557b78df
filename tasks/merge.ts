/** `deno task merge`: join the shard files of one `generate` run into the one-run file. */
import { mergeRecordFiles } from "../pipeline/record_merge.ts";
import { runTask, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "merge",
  usage: "--in FILE,FILE,… --out FILE",
  summary: "Verify the shard files of one run (same header, contiguous images, every CRC and\n" +
    "trailer) and join them, in order, into the file one unsharded run writes, byte for byte.",
  flags: {
    in: {
      type: "string",
      help: "comma list of shard files, in order",
      arg: "FILES",
      required: true,
    },
    out: {
      type: "string",
      help: "output .ndjson[.gz] ('-' = stdout)",
      arg: "FILE",
      path: "out-file",
      required: true,
    },
  },
  examples: ["deno task merge --in s1.ndjson,s2.ndjson,s3.ndjson --out all.ndjson"],
} satisfies TaskSpec;

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const inputs = flags.in.split(",").map((s) => s.trim()).filter((s) => s);
    const { images } = await mergeRecordFiles(inputs, flags.out);
    if (!flags.quiet) console.error(`merge: ${images} images → ${flags.out}`);
  });
}
