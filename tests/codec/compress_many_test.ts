import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { writeRecords } from "../../pipeline/record_stream.ts";
import { outputsIn, shardOfList } from "../../pipeline/input_files.ts";
import { sasImages } from "../fixtures/sas_images.ts";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;
const dir = await Deno.makeTempDir();

async function compress(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${TASKS}compress.ts`, "--quiet", "--max-rel-error", "0.01", ...args],
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
}

const names = ["a.ndjson", "b.ndjson", "c.ndjson.gz"];
await Deno.mkdir(`${dir}/night`);
for (const [k, name] of names.entries()) {
  const labels = Array.from({ length: 6 }, (_, i) => ({ index: i, model: "fixture" }));
  await writeRecords(`${dir}/night/${name}`, makeHeader([8, 8]), [
    makeChunk([8, 8], sasImages(6, 8, 40 + k), labels),
  ]);
}
await Deno.writeTextFile(`${dir}/night/notes.txt`, "not images");

Deno.test("compress --in GLOB --shard k/N writes NAME.sqz per input of its slice, as one-file runs", async () => {
  for (const k of [1, 2]) {
    const r = await compress(
      "--in",
      `${dir}/night/*.ndjson*`,
      "--shard",
      `${k}/2`,
      "--out",
      `${dir}/sqz`,
    );
    assert.equal(r.code, 0, r.stderr);
  }
  assert.deepEqual([...Deno.readDirSync(`${dir}/sqz`)].map((e) => e.name).sort(), [
    "a.sqz",
    "b.sqz",
    "c.sqz",
  ]);
  for (const name of ["a", "c"]) {
    const ext = name === "c" ? ".ndjson.gz" : ".ndjson";
    const r = await compress("--in", `${dir}/night/${name}${ext}`, "--out", `${dir}/${name}.sqz`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      await Deno.readFile(`${dir}/sqz/${name}.sqz`),
      await Deno.readFile(`${dir}/${name}.sqz`),
    );
  }
});

Deno.test("compress --list FILE compresses every listed file; bad inputs are one line naming the flag", async () => {
  await Deno.writeTextFile(`${dir}/list.txt`, `# tonight\n${dir}/night/b.ndjson\n\n`);
  const r = await compress("--list", `${dir}/list.txt`, "--out", `${dir}/listed`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...Deno.readDirSync(`${dir}/listed`)].map((e) => e.name), ["b.sqz"]);
  for (
    const [args, message] of [
      [["--in", `${dir}/night/*.h5`], /--in .*night\/\*\.h5: no file matches$/],
      [["--list", `${dir}/missing.txt`], /--list .*missing\.txt: cannot read$/],
      [["--in", "x", "--list", `${dir}/list.txt`], /give the inputs as --in FILE\|GLOB or --list/],
      [["--in", `${dir}/*/a.ndjson`], /glob characters only in the file name$/],
    ] as const
  ) {
    const bad = await compress(...args, "--out", `${dir}/bad`);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, message);
    assert.equal(bad.stderr.split("\n").length, 1, bad.stderr);
  }
});

Deno.test("shardOfList() covers the list once in contiguous slices; outputsIn() refuses a clash", () => {
  const files = Array.from({ length: 7 }, (_, i) => `f${i}`);
  const shards = [0, 1, 2].map((k) => shardOfList(files, k, 3));
  assert.deepEqual(shards, [["f0", "f1"], ["f2", "f3"], ["f4", "f5", "f6"]]);
  assert.deepEqual(shardOfList(files, 0, 9), []);
  assert.deepEqual(outputsIn("o", ["x/a.ndjson.gz", "y/b.ndjson"], ".sqz"), ["o/a.sqz", "o/b.sqz"]);
  assert.throws(
    () => outputsIn("o", ["x/a.ndjson", "y/a.ndjson.gz"], ".sqz"),
    /y\/a\.ndjson\.gz and x\/a\.ndjson would both write o\/a\.sqz/,
  );
});
