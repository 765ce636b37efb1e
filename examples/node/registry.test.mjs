// Steer a fakereg from Node's built-in test runner with the `fakereg` client library
// (clients/node, imported here by its path; no npm packages): start it, seed crates, let
// real cargo resolve against it, break the index for one crate, and assert on the journal.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, FakeregError } from "../../clients/node/index.js";

const work = mkdtempSync(join(tmpdir(), "fakereg-node-"));
let reg;

function project(name, dependency) {
  const folder = join(work, name);
  mkdirSync(join(folder, "src"), { recursive: true });
  writeFileSync(
    join(folder, "Cargo.toml"),
    `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n\n` +
      `[dependencies]\n${dependency} = { version = "1", registry = "${reg.name}" }\n`,
  );
  writeFileSync(join(folder, "src", "lib.rs"), "");
  return folder;
}

before(async () => {
  reg = await start({ root: join(work, "root") });
});

after(async () => {
  await reg.stop();
  rmSync(work, { recursive: true, force: true });
});

test("cargo resolves what the control API seeded", async () => {
  const seeded = await reg.addCrate([
    { name: "left-pad", version: "1.0.0" },
    { name: "left-pad", version: "1.2.0", deps: ["right-pad@1"] },
    { name: "right-pad", version: "1.0.0" },
  ]);
  assert.equal(seeded.length, 3);
  const result = await reg.cargo(["generate-lockfile"], { cwd: project("app", "left-pad") });
  assert.equal(result.status, 0, result.stderr);
  const lock = readFileSync(join(work, "app", "Cargo.lock"), "utf8");
  assert.match(lock, /name = "left-pad"\nversion = "1.2.0"/);
  const crates = (await reg.requests({ kind: "index" })).map((r) => r.crate);
  assert.ok(crates.includes("left-pad") && crates.includes("right-pad"), crates.join(","));
});

test("a fault on the index makes cargo fail, and the journal says which", async () => {
  await reg.addCrate({ name: "flaky", version: "1.0.0" });
  const fault = await reg.fail({ kind: "index", crate: "flaky", status: 500 });
  const since = await reg.mark();
  const result = await reg.cargo(["generate-lockfile"], { cwd: project("other", "flaky") });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /500/);
  const failed = await reg.requests({ since, crate: "flaky" });
  assert.ok(failed.length >= 1);
  assert.ok(failed.every((r) => r.status === 500 && r.fault));
  assert.ok((await fault.refresh()).hits >= 1);
  await fault.remove();
  assert.equal((await reg.cargo(["generate-lockfile"], { cwd: join(work, "other") })).status, 0);
});

test("the control API refuses a registry token", async () => {
  const answer = await fetch(reg.adminUrl + "/health", { headers: { Authorization: reg.token } });
  assert.equal(answer.status, 403);
  const body = await answer.json();
  assert.match(body.errors[0].detail, /admin token/);
  await assert.rejects(reg.addCrate({ name: "bad name!", version: "1.0.0" }), FakeregError);
});

test("a metadata tool reads the crates.io API: versions, yanks, downloads, README", async () => {
  await reg.addCrate([
    { name: "meta-tool", version: "1.0.0", readme: "# meta-tool\n", keywords: ["cli"] },
    { name: "meta-tool", version: "1.1.0", readme: "# meta-tool\n", keywords: ["cli"] },
  ]);
  const api = (path, init = {}) =>
    fetch(`${reg.url}/api/v1/crates/${path}`, {
      ...init,
      headers: { Authorization: reg.token, "Content-Type": "application/json" },
    });
  const yank = await api("meta-tool/1.1.0", {
    method: "PATCH",
    body: JSON.stringify({ version: { yanked: true, yank_message: "bad release" } }),
  });
  assert.equal(yank.status, 200);
  const fetched = await reg.cargo(["fetch"], { cwd: project("user", "meta-tool") });
  assert.equal(fetched.status, 0, fetched.stderr);
  const { crate, versions } = await (await api("meta-tool")).json();
  assert.equal(crate.max_stable_version, "1.0.0"); // 1.1.0 is yanked
  assert.equal(crate.downloads, 1); // the download cargo just made
  assert.deepEqual(versions.map((v) => [v.num, v.yanked, v.yank_message]),
    [["1.1.0", true, "bad release"], ["1.0.0", false, null]]);
  assert.match(versions[1].checksum, /^[0-9a-f]{64}$/);
  const readme = await fetch(reg.url + versions[1].readme_path); // follows the redirect
  assert.match(await readme.text(), /<h1>meta-tool<\/h1>/);
});
