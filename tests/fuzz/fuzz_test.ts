import assert from "node:assert/strict";
import { fuzz } from "../../bench/fuzz/fuzz_runner.ts";
import { ndjsonTarget, ndjsonV1Target, npyTarget, sqzTarget } from "../../bench/fuzz/targets.ts";

// A short seeded pass of the fuzzer (bench/fuzz/fuzz.ts runs the long one): mutated files are
// rejected with a FormatError or read back unchanged, never a crash, hang, blow-up or silent change.
for (const make of [ndjsonTarget, ndjsonV1Target, npyTarget, sqzTarget]) {
  const target = await make();
  Deno.test(`fuzz: 3000 mutations of ${target.name} files: no crash, hang, blow-up or silent change`, async () => {
    const r = await fuzz(target, { inputs: 3000, seed: 7 });
    const summary = r.findings.map((f) => `${f.kind} after ${f.mutation}: ${f.message}`).join("\n");
    assert.deepEqual(
      [r.counts.crash, r.counts.hang, r.counts.memory, r.counts.silent],
      [0, 0, 0, 0],
      summary,
    );
    assert.ok(r.counts.rejected > 2000, `only ${r.counts.rejected} rejected`);
  });
}

Deno.test("fuzz: the classifier counts a reader's crashes and silent acceptances", async () => {
  const base = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const r = await fuzz({
    name: "careless",
    corpus: [base],
    decode: (b) => {
      if (b.length !== 8) throw new TypeError("boom");
      return Array.from(b).join();
    },
  }, { inputs: 200, seed: 1 });
  assert.ok(r.counts.crash > 0, JSON.stringify(r.counts));
  assert.ok(r.counts.silent > 0, JSON.stringify(r.counts));
  assert.equal(r.counts.rejected, 0);
  assert.ok(r.findings.some((f) => f.kind === "crash" && f.message === "TypeError: boom"));
});
