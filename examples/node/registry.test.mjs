// Steer a standing fakereg from Node's built-in test runner (no npm packages):
// start it, seed crates over the control API, let real cargo resolve against it,
// break the index for one crate, and assert on the journal.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, stopRegistry } from "./standing.mjs";

const work = mkdtempSync(join(tmpdir(), "fakereg-node-"));
let server;
let registry;

async function control(method, route, body) {
  const answer = await fetch(registry.admin_url + route, {
    method,
    headers: { Authorization: `Bearer ${registry.admin_token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await answer.json();
  return { status: answer.status, data };
}

function cargo(args, cwd) {
  return spawnSync("cargo", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CARGO_HOME: registry.cargo_home, CARGO_NET_RETRY: "0" },
  });
}

function project(name, dependency) {
  const folder = join(work, name);
  mkdirSync(join(folder, "src"), { recursive: true });
  writeFileSync(
    join(folder, "Cargo.toml"),
    `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n\n` +
      `[dependencies]\n${dependency} = { version = "1", registry = "fakereg" }\n`,
  );
  writeFileSync(join(folder, "src", "lib.rs"), "");
  return folder;
}

before(async () => {
  ({ server, registry } = await startRegistry(work));
});

after(async () => {
  await stopRegistry(server);
  rmSync(work, { recursive: true, force: true });
});

test("cargo resolves what the control API seeded", async () => {
  const seeded = await control("POST", "/crates", [
    { name: "left-pad", version: "1.0.0" },
    { name: "left-pad", version: "1.2.0", deps: ["right-pad@1"] },
    { name: "right-pad", version: "1.0.0" },
  ]);
  assert.equal(seeded.status, 200);
  assert.equal(seeded.data.length, 3);
  const result = cargo(["generate-lockfile"], project("app", "left-pad"));
  assert.equal(result.status, 0, result.stderr);
  const lock = readFileSync(join(work, "app", "Cargo.lock"), "utf8");
  assert.match(lock, /name = "left-pad"\nversion = "1.2.0"/);
  const journal = await control("GET", "/requests?kind=index");
  const crates = journal.data.requests.map((r) => r.crate);
  assert.ok(crates.includes("left-pad") && crates.includes("right-pad"), crates.join(","));
});

test("a fault on the index makes cargo fail, and the journal says which", async () => {
  await control("POST", "/crates", { name: "flaky", version: "1.0.0" });
  const { data: fault } = await control("POST", "/faults", { kind: "index", crate: "flaky", status: 500 });
  const { data: before } = await control("GET", "/requests");
  const result = cargo(["generate-lockfile"], project("other", "flaky"));
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /500/);
  const { data: since } = await control("GET", `/requests?since=${before.last_seq}&crate=flaky`);
  assert.ok(since.requests.length >= 1);
  assert.ok(since.requests.every((r) => r.status === 500 && r.fault));
  const { data: listed } = await control("GET", "/faults");
  assert.ok(listed.faults.find((f) => f.id === fault.id).hits >= 1);
  assert.equal((await control("DELETE", `/faults/${fault.id}`)).status, 200);
  assert.equal(cargo(["generate-lockfile"], join(work, "other")).status, 0);
});

test("the control API refuses a registry token", async () => {
  const answer = await fetch(registry.admin_url + "/health", { headers: { Authorization: registry.token } });
  assert.equal(answer.status, 403);
  const body = await answer.json();
  assert.match(body.errors[0].detail, /admin token/);
});

test("a metadata tool reads the crates.io API: versions, yanks, downloads, README", async () => {
  await control("POST", "/crates", [
    { name: "meta-tool", version: "1.0.0", readme: "# meta-tool\n", keywords: ["cli"] },
    { name: "meta-tool", version: "1.1.0", readme: "# meta-tool\n", keywords: ["cli"] },
  ]);
  const api = (path, init = {}) =>
    fetch(`${registry.url}/api/v1/crates/${path}`, {
      ...init,
      headers: { Authorization: registry.token, "Content-Type": "application/json" },
    });
  const yank = await api("meta-tool/1.1.0", {
    method: "PATCH",
    body: JSON.stringify({ version: { yanked: true, yank_message: "bad release" } }),
  });
  assert.equal(yank.status, 200);
  const fetched = cargo(["fetch"], project("user", "meta-tool"));
  assert.equal(fetched.status, 0, fetched.stderr);
  const { crate, versions } = await (await api("meta-tool")).json();
  assert.equal(crate.max_stable_version, "1.0.0"); // 1.1.0 is yanked
  assert.equal(crate.downloads, 1); // the download cargo just made
  assert.deepEqual(versions.map((v) => [v.num, v.yanked, v.yank_message]),
    [["1.1.0", true, "bad release"], ["1.0.0", false, null]]);
  assert.match(versions[1].checksum, /^[0-9a-f]{64}$/);
  const readme = await fetch(registry.url + versions[1].readme_path); // follows the redirect
  assert.match(await readme.text(), /<h1>meta-tool<\/h1>/);
});
