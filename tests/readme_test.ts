import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

Deno.test("the README opens with the two set-up commands, and their tasks exist", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", root));
  const lines = readme.split("\n");
  assert.equal(lines[0], "# sasquash");
  const open = lines.indexOf("```sh");
  assert.ok(open > 0 && open <= 3, "a ```sh block right after the title");
  const block = lines.slice(open + 1, lines.indexOf("```", open + 1));
  const commands = block.map((l) => l.replace(/\s+#.*$/, ""));
  assert.deepEqual(commands, ["npx --yes deno@2.9.6 task demo", "npx --yes deno@2.9.6 task test"]);
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  for (const task of ["demo", "test"]) assert.ok(config.tasks[task], `deno.json has task ${task}`);
});
