import assert from "node:assert/strict";
import { atomicWritable, writeFileAtomic } from "../../pipeline/atomic_file.ts";
import { UsageError } from "../../pipeline/errors.ts";
import { pathExists } from "../../pipeline/path_check.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("atomicWritable() shows nothing at the target until close, then renames", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/out.txt`;
  const writer = atomicWritable(path).getWriter();
  await writer.write(bytes("one\n"));
  assert.equal(await pathExists(path), false);
  assert.equal(await Deno.readTextFile(`${path}.partial`), "one\n");
  await writer.write(bytes("two\n"));
  await writer.close();
  assert.equal(await Deno.readTextFile(path), "one\ntwo\n");
  assert.equal(await pathExists(`${path}.partial`), false);
});

Deno.test("atomicWritable() removes its temporary file when the upstream fails", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/out.bin`;
  const failing = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(bytes("half"));
      controller.error(new Error("upstream broke"));
    },
  });
  await assert.rejects(failing.pipeTo(atomicWritable(path)), /upstream broke/);
  assert.equal(await pathExists(path), false);
  assert.equal(await pathExists(`${path}.partial`), false);
});

Deno.test("atomicWritable() keeps a journal on abort and resumes it at a byte offset", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/out.txt`;
  const first = atomicWritable(path, { keepOnAbort: true }).getWriter();
  await first.write(bytes("keep|torn"));
  await first.abort(new Error("killed"));
  assert.equal(await Deno.readTextFile(`${path}.partial`), "keep|torn");
  const second = atomicWritable(path, { resumeAt: 5 }).getWriter();
  await second.write(bytes("rest"));
  await second.close();
  assert.equal(await Deno.readTextFile(path), "keep|rest");
});

Deno.test("atomicWritable() names a target that is a folder or has no parent", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(
    ReadableStream.from([bytes("x")]).pipeTo(atomicWritable(dir)),
    (e) => e instanceof UsageError && e.message === `cannot write ${dir}: it is a directory`,
  );
  await assert.rejects(
    writeFileAtomic(`${dir}/missing/out.json`, "{}"),
    (e) =>
      e instanceof UsageError && e.message.startsWith(`cannot write ${dir}/missing/out.json.tmp`),
  );
});

Deno.test("atomicWritable() refuses a second writer of one path, naming the first's process", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/out.txt`;
  const first = atomicWritable(path).getWriter();
  await first.write(bytes("first\n"));
  const second = atomicWritable(path).getWriter();
  await assert.rejects(
    second.write(bytes("second\n")),
    (e) =>
      e instanceof UsageError &&
      e.message ===
        `cannot write ${path}: process ${Deno.pid} is writing it (lock ${path}.partial.lock)`,
  );
  await first.close();
  assert.equal(await Deno.readTextFile(path), "first\n");
  assert.equal(await pathExists(`${path}.partial.lock`), false);
});

Deno.test("atomicWritable() takes over the lock of a process that is gone", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/out.txt`;
  const child = new Deno.Command("true").spawn();
  await child.status;
  await Deno.writeTextFile(`${path}.partial.lock`, `${child.pid}\n`);
  await ReadableStream.from([bytes("mine\n")]).pipeTo(atomicWritable(path));
  assert.equal(await Deno.readTextFile(path), "mine\n");
});
