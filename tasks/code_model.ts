/**
 * `deno task code-model`: learns the entropy model of a trained model's sparse codes — which
 * latent entries codes use, how their quantized values are distributed, the gaps between
 * entries — from the codes `compress` writes with the same flags, and stores it with the model
 * (`gap_model.json`; the one it replaces is kept in `gap_models/`, so older files still decode).
 */
import { UsageError } from "../pipeline/errors.ts";
import { openRecordSource } from "../pipeline/record_source.ts";
import { chunkToFloat32 } from "../pipeline/record_format.ts";
import { firstItems } from "../pipeline/batch_stream.ts";
import { Progress } from "../pipeline/progress.ts";
import { openModelCodec } from "../codec/model_codec.ts";
import { learnCodeModel } from "../codec/learn_gap_model.ts";
import { saveGapModel } from "../codec/code_model_file.ts";
import { hex32 } from "../pipeline/record_format.ts";
import { runTask, type TaskSpec } from "./_cli.ts";
import { CODE_FLAGS, codeSettings, MODEL_FLAG } from "./_codec_flags.ts";

const spec = {
  name: "code-model",
  usage: "--model DIR --data FILE [code flags]",
  summary:
    "Learn the entropy model of the model's sparse codes (unit activity, value and gap tables)\n" +
    "on the codes compress writes with the same flags (with --refine: the encoder's codes and\n" +
    "the refined codes of the same images), and store it as DIR/gap_model.json. Files written\n" +
    "with the previous model keep decoding: it is kept as DIR/gap_models/<id>.json.",
  flags: {
    model: MODEL_FLAG,
    data: {
      type: "string",
      help: "images to learn from (a stream file or .npy; training images, not test images)",
      arg: "FILE",
      path: "in-file",
      required: true,
    },
    images: {
      type: "int",
      help: "how many of the first images to learn from",
      default: 4096,
      min: 1,
      arg: "N",
    },
    ...CODE_FLAGS,
  },
  examples: [
    "deno task code-model --model runs/cpu --data train.ndjson.gz",
    "deno task code-model --model runs/cpu --data train.ndjson.gz --images 1024 \\\n" +
    "  --refine 300 --refine-nnz 80 --quant fp8 --isotropy",
  ],
} satisfies TaskSpec;

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const codec = await openModelCodec(flags.model, codeSettings(flags));
    try {
      const shape = codec.model.meta.image_shape;
      const { header, chunks } = await openRecordSource(flags.data);
      if (header.shape.join() !== shape.join()) {
        await chunks.cancel();
        throw new UsageError(
          `--data ${flags.data} has images of [${header.shape}], the model in ${flags.model} ` +
            `expects [${shape}]`,
        );
      }
      const images = await firstItems(
        (async function* () {
          for await (const chunk of chunks) yield chunkToFloat32(chunk, shape, flags.data);
        })(),
        flags.images,
        codec.model.arch.n,
      );
      const count = images.length / codec.model.arch.n;
      if (count === 0) throw new UsageError(`--data ${flags.data} has no images`);
      const progress = new Progress("code-model", count, { quiet: flags.quiet });
      const { gapModel, codes } = await learnCodeModel(codec, images, (k) => progress.add(k));
      const kept = await saveGapModel(flags.model, gapModel);
      progress.done(
        `learned on ${codes} codes of ${count} images → ${flags.model}/gap_model.json (id ${
          hex32(gapModel.id)
        }${kept ? `; the previous one is kept as ${kept}` : ""})`,
      );
    } finally {
      codec.model.dispose();
    }
  });
}
