/**
 * Mutation fuzzer of the readers (stream format, `.npy`, `.sqz` with its code decoder). Prints
 * inputs per second and the count of each outcome class per reader; writes each crash, hang,
 * memory blow-up or silent acceptance to `--save` for replay. Exit 1 when any is found.
 *
 *   deno run -A bench/fuzz/fuzz.ts --inputs 1000000 --seed 1 [--target ndjson,ndjson-v1,npy,sqz] [--save out/fuzz]
 */
import { parseArgs } from "node:util";
import { CLASSES, fuzz } from "./fuzz_runner.ts";
import { type FuzzTarget, ndjsonTarget, ndjsonV1Target, npyTarget, sqzTarget } from "./targets.ts";

const { values } = parseArgs({
  options: {
    inputs: { type: "string", default: "10000" },
    seed: { type: "string", default: "1" },
    target: { type: "string", default: "ndjson,ndjson-v1,npy,sqz" },
    save: { type: "string" },
  },
});
const makers: Record<string, () => FuzzTarget | Promise<FuzzTarget>> = {
  ndjson: ndjsonTarget,
  "ndjson-v1": ndjsonV1Target,
  npy: npyTarget,
  sqz: sqzTarget,
};
let bad = 0;
console.log(`| reader | inputs | inputs/s | ${CLASSES.join(" | ")} |`);
console.log(`| --- | ---: | ---: | ${CLASSES.map(() => "---:").join(" | ")} |`);
for (const name of values.target.split(",")) {
  const target = await makers[name]();
  const r = await fuzz(target, { inputs: Number(values.inputs), seed: Number(values.seed) });
  const rate = (r.inputs / r.seconds).toFixed(0);
  console.log(
    `| ${name} | ${r.inputs} | ${rate} | ${CLASSES.map((c) => r.counts[c]).join(" | ")} |`,
  );
  for (const [i, f] of r.findings.entries()) {
    bad++;
    console.error(`${name}: ${f.kind} after ${f.mutation}: ${f.message.split("\n")[0]}`);
    if (values.save) {
      await Deno.mkdir(values.save, { recursive: true });
      await Deno.writeFile(`${values.save}/${name}-${f.kind}-${i}.bin`, f.input);
    }
  }
}
if (bad > 0) Deno.exitCode = 1;
