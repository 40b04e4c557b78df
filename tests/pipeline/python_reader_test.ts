import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { writeRecords } from "../../pipeline/record_stream.ts";

const FORMAT_DOC = new URL("../../docs/FORMAT.md", import.meta.url);
const hasNumpy =
  (await new Deno.Command("python3", { args: ["-c", "import numpy"], stderr: "null" })
    .output().catch(() => ({ code: 1 }))).code === 0;

Deno.test({
  name: "the Python reader in docs/FORMAT.md reads a .ndjson.gz written by the pipeline",
  ignore: !hasNumpy,
  async fn() {
    const doc = await Deno.readTextFile(FORMAT_DOC);
    const code = /```python\n([\s\S]*?)```/.exec(doc)![1];
    const reader = code.slice(0, code.indexOf("\nheader, images, labels"));
    const dir = await Deno.makeTempDir();
    const data = new Float32Array(3 * 2 * 4).map((_, i) => i * 1.5 - 2);
    const labels = [0, 1, 2].map((i) => ({ index: i, model: ["sphere", "lorentz", "guinier"][i] }));
    await writeRecords(`${dir}/x.ndjson.gz`, makeHeader([2, 4], { q: { qmax: 0.3, size: 4 } }), [
      makeChunk([2, 4], data.subarray(0, 16), labels.slice(0, 2)),
      makeChunk([2, 4], data.subarray(16), labels.slice(2)),
    ]);
    const script =
      `${reader}\nh, im, lab = read_sasquash(${JSON.stringify(`${dir}/x.ndjson.gz`)})\n` +
      `print(json.dumps([list(im.shape), str(im.dtype), float(im[2, 1, 3]), lab[1]["model"], h["q"]]))`;
    const out = await new Deno.Command("python3", { args: ["-c", script], stderr: "piped" })
      .output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const [shape, dtype, value, model, q] = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(shape, [3, 2, 4]);
    assert.equal(dtype, "float32");
    assert.equal(value, data[2 * 8 + 1 * 4 + 3]);
    assert.equal(model, "lorentz");
    assert.deepEqual(q, { qmax: 0.3, size: 4 });
  },
});
