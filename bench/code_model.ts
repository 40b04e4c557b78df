/**
 * Bytes of the same sparse codes under three code models, in one run: the model folder's own
 * (`gap_model.json`, with its unit and value tables when it has them), its gap table alone (raw
 * values, the format before the tables) and the paper's Gaussian gap model. The codes are the ones
 * `compress` writes with the given flags (refined when asked), made once and coded three ways.
 * Run: deno run -A bench/code_model.ts --data FILE [--n N] [--refine STEPS --refine-nnz K]
 *        [--quant fp8] [--isotropy yes] MODEL_DIR…
 * @module
 */
import { modelImages } from "./_model_images.ts";
import { encodeImages, openModelCodec } from "../codec/model_codec.ts";
import { type GapModel, gaussianGapModel, withoutTables } from "../codec/gap_model.ts";
import { type CodeStats, encodeLatent } from "../codec/sparse_code.ts";
import type { QuantName } from "../codec/quantize.ts";

const args = await modelImages("code_model.ts", 49, {
  refine: "0",
  "refine-nnz": "0",
  quant: "fp8",
  isotropy: "no",
});
const { images, count, options } = args;
const steps = Number(options.refine);
const nonzeros = Number(options["refine-nnz"]);
console.log(
  `${count} images of ${args.data}; ${options.quant} values${
    steps > 0 ? `, refined ${steps} steps, ≤ ${nonzeros} entries` : ", the encoder's codes"
  }${options.isotropy === "yes" ? ", --isotropy" : ""}`,
);
for (const dir of args.models) {
  const codec = await openModelCodec(dir, {
    quant: options.quant as QuantName,
    isotropy: options.isotropy === "yes",
    ...(steps > 0 ? { refine: { steps, nonzeros, metric: "rms_rel" as const } } : {}),
  });
  const { ell } = codec.model.arch;
  const scales = codec.model.scales(images, "bench");
  const started = performance.now();
  const z = await encodeImages(codec, images, "bench", scales);
  const encodeSeconds = (performance.now() - started) / 1000;
  const own = codec.gapModel;
  const gapsOnly = withoutTables(own);
  const rows: [string, GapModel][] = [
    ["its gap table alone, raw values", gapsOnly],
    ["paper's Gaussian gap model, raw values", gaussianGapModel(1e3)],
    [own.units || own.values ? "its unit and value tables" : "its code model (no tables)", own],
  ];
  console.log(`\n${dir} (codes made in ${encodeSeconds.toFixed(1)} s)`);
  console.log(
    "code model                               | entries | value bits/entry | support bits/entry | code bytes | vs gap table",
  );
  let baseline = 0;
  for (const [name, gapModel] of rows) {
    let entries = 0, bytes = 0, valueBits = 0;
    for (let i = 0; i < count; i++) {
      const s: CodeStats = { nonZeros: 0, bytes: 0, valueBytes: 0, gapBytes: 0 };
      encodeLatent(z.subarray(i * ell, (i + 1) * ell), { ...codec.options, gapModel }, s);
      entries += s.nonZeros;
      bytes += s.bytes;
      valueBits += 8 * s.valueBytes;
    }
    if (gapModel === gapsOnly) baseline = bytes;
    const support = (8 * bytes - valueBits) / entries;
    console.log(
      `${name.padEnd(40)} | ${(entries / count).toFixed(1).padStart(7)} | ${
        (valueBits / entries).toFixed(2).padStart(16)
      } | ${support.toFixed(2).padStart(18)} | ${String(bytes).padStart(10)} | ${
        baseline ? `${(baseline / bytes).toFixed(3)}×` : ""
      }`,
    );
  }
  codec.model.dispose();
}
