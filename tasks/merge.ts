/**
 * `deno task merge`: joins the outputs of the shards of one run — stream files of `generate
 * --shard`, or folders of `evaluate --shard` — into what one unsharded run writes.
 */
import { UsageError } from "../pipeline/errors.ts";
import { joinShardFiles } from "../pipeline/join_shards.ts";
import { openModelCodec } from "../codec/model_codec.ts";
import { mergeShards } from "../report/shard_state.ts";
import { writeReport } from "../report/write_report.ts";
import { summaryText } from "../report/summary_text.ts";
import { runTask, splitPositional, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "merge",
  usage: "--out FILE|DIR PART…",
  summary:
    "Join the shards of one run. Stream files (generate --shard k/N): the images in order\n" +
    "under their common header, byte-identical to one run's file. Folders (evaluate --shard k/N):\n" +
    "images.ndjson, summary.json, figures and index.html with the statistics of one evaluation\n" +
    "of all the images (medians and percentiles exact).",
  flags: {
    out: {
      type: "string",
      help: "merged stream file, or report folder",
      arg: "PATH",
      required: true,
    },
    in: { type: "string", help: "comma list of parts (besides or instead of PART…)", arg: "FILES" },
  },
  examples: [
    "deno task merge --out train.ndjson.gz parts/train-*.ndjson.gz",
    "deno task merge --out report/ shards/1 shards/2 shards/3 shards/4",
  ],
} satisfies TaskSpec;

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    throw new UsageError(`PART ${path}: no such file or folder`);
  }
}

if (import.meta.main) {
  const { parts: positional, flags: argv } = splitPositional(Deno.args, spec);
  Deno.exitCode = await runTask(spec, async (flags) => {
    const parts = [
      ...(flags.in?.split(",").map((s) => s.trim()).filter((s) => s) ?? []),
      ...positional,
    ];
    if (parts.length === 0) throw new UsageError("name the parts to merge (PART… or --in)");
    const folders = await Promise.all(parts.map(isDirectory));
    if (folders.some((d) => d !== folders[0])) {
      throw new UsageError("PART…: mix of files and folders; merge generate or evaluate shards");
    }
    if (!folders[0]) {
      const { images } = await joinShardFiles(parts, flags.out);
      if (!flags.quiet) console.error(`merge: ${images} images → ${flags.out}`);
      return;
    }
    await Deno.mkdir(flags.out, { recursive: true });
    const first = JSON.parse(await Deno.readTextFile(`${parts[0]}/shard.json`).catch(() => "{}"));
    const s = first.settings;
    if (!s?.model) throw new UsageError(`${parts[0]}: no shard.json (run evaluate --shard k/N)`);
    const codec = await openModelCodec(s.model, {
      quant: s.quant,
      threshold: s.threshold,
      refine: s.refine,
      isotropy: s.isotropy,
    });
    const { collected, settings } = await mergeShards(parts, codec, flags.out);
    const summary = await writeReport(collected, {
      out: flags.out,
      model: { dir: settings.model, codec },
      source: settings.source,
      knnK: 5, // unused: shards refuse --knn
      zfp: false,
    });
    console.log(summaryText(summary, flags.out));
    codec.model.dispose();
  }, argv);
}
