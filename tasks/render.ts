/** `deno task render`: one image record for exactly the given model parameters. */
import { UsageError } from "../pipeline/errors.ts";
import { makeHeader } from "../pipeline/record_format.ts";
import { writeRecords } from "../pipeline/record_stream.ts";
import {
  GENERATOR_VERSION,
  parseResolution,
  resolutionField,
} from "../generators/host/generation_plan.ts";
import { SasHost } from "../generators/host/pyodide_host.ts";
import { runTask, type TaskSpec } from "./_cli.ts";
import { DETECTOR_FLAGS } from "./_detector_flags.ts";

const spec = {
  name: "render",
  usage: "--model NAME --params JSON [--out FILE]",
  summary: "Write one image of a model at exactly the given parameters (others take their\n" +
    "defaults) as a one-chunk stream, e.g. to compare with sasmodels' direct_model.call_kernel.",
  flags: {
    model: {
      type: "string",
      help: "catalog model, P@S product or plugin model name",
      arg: "NAME",
      required: true,
    },
    params: { type: "string", help: "JSON object of parameter values", arg: "JSON", default: "{}" },
    ...DETECTOR_FLAGS,
    out: {
      type: "string",
      help: "output .ndjson[.gz] ('-' = stdout)",
      arg: "FILE",
      path: "out-file",
      default: "-",
    },
    plugin: { type: "string", help: "a SasView plugin model .py file to load first", arg: "FILE" },
  },
  examples: [
    `deno task render --model cylinder --params '{"theta": 35, "phi": -25}' --out c.ndjson`,
  ],
} satisfies TaskSpec;

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    let params: unknown;
    try {
      params = JSON.parse(flags.params);
    } catch (e) {
      throw new UsageError(`--params is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof params !== "object" || params === null || Array.isArray(params)) {
      throw new UsageError("--params must be a JSON object such as '{\"radius\": 40}'");
    }
    const smearing = parseResolution(flags.resolution, flags.accuracy);
    const host = await SasHost.create();
    if (flags.plugin) {
      const source = await Deno.readTextFile(flags.plugin).catch(() => {
        throw new UsageError(`--plugin: cannot read ${flags.plugin}`);
      });
      host.registerPlugin(source, flags.plugin.split("/").at(-1)!);
    }
    const grid = { qmax: flags.qmax, size: flags.size, ...smearing };
    const r = host.render(flags.model, params as Record<string, unknown>, grid);
    const header = makeHeader([grid.size, grid.size], {
      q: { qmax: grid.qmax, size: grid.size },
      ...resolutionField(grid),
      layout: "[iy][ix], qx = qy = linspace(-qmax, qmax, size)",
      generator: { name: "sasquash-render", version: GENERATOR_VERSION },
    });
    const label = { index: 0, model: flags.model, params: r.params };
    await writeRecords(flags.out, header, [
      { count: 1, shape: [grid.size, grid.size], dtype: "float32", labels: [label], data: r.image },
    ]);
  });
}
