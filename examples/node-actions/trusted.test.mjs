// Trusted publishing as a release workflow does it, with GitHub's own @actions/core:
// the job's environment comes from fakereg's fake GitHub, core.getIDToken() fetches the
// OIDC token from it, the registry exchanges that for a short-lived token, real cargo
// publishes with it, and the token is revoked at the end, as crates-io-auth-action does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, stopRegistry } from "../node/standing.mjs";
import * as core from "@actions/core";

const work = mkdtempSync(join(tmpdir(), "fakereg-actions-"));
let server;
let registry;

async function call(url, { method = "GET", token, body } = {}) {
  const answer = await fetch(url, {
    method,
    headers: { ...(token ? { Authorization: token } : {}), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, data: text ? JSON.parse(text) : null };
}

const control = (route, body) =>
  call(registry.admin_url + route, { method: "POST", token: `Bearer ${registry.admin_token}`, body });

function release(version, token) {
  const folder = join(work, `ci-crate-${version}`);
  mkdirSync(join(folder, "src"), { recursive: true });
  writeFileSync(join(folder, "Cargo.toml"),
    `[package]\nname = "ci-crate"\nversion = "${version}"\nedition = "2021"\n` +
    `description = "released from CI"\nlicense = "MIT"\n`);
  writeFileSync(join(folder, "src", "lib.rs"), "");
  return spawnSync("cargo", ["publish", "--registry", "fakereg", "--no-verify"], {
    cwd: folder,
    encoding: "utf8",
    env: { ...process.env, CARGO_HOME: registry.cargo_home, CARGO_REGISTRIES_FAKEREG_TOKEN: token },
  });
}

before(async () => {
  ({ server, registry } = await startRegistry(work));
});

after(async () => {
  await stopRegistry(server);
  rmSync(work, { recursive: true, force: true });
});

test("a workflow run publishes with an exchanged token, then revokes it", async () => {
  // The first version is published by hand: trusted publishing never creates a crate.
  assert.equal((await control("/crates", { name: "ci-crate", version: "1.0.0" })).status, 200);
  // An owner registers the workflow, through crates.io's own route.
  const config = await call(`${registry.url}/api/v1/trusted_publishing/github_configs`, {
    method: "POST",
    token: registry.token,
    body: { github_config: { crate: "ci-crate", repository_owner: "acme", repository_name: "ci-crate",
      workflow_filename: "release.yml", environment: null } },
  });
  assert.equal(config.status, 200, JSON.stringify(config.data));

  // The job: what a runner sets for `permissions: id-token: write`.
  const job = await control("/github-actions-env", { repository: "acme/ci-crate", workflow: "release.yml" });
  Object.assign(process.env, job.data);
  const audience = registry.url.replace(/^https?:\/\//, "");
  const jwt = await core.getIDToken(audience);
  assert.equal(JSON.parse(Buffer.from(jwt.split(".")[1], "base64url")).repository, "acme/ci-crate");

  const exchanged = await call(`${registry.url}/api/v1/trusted_publishing/tokens`, {
    method: "POST",
    body: { jwt },
  });
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.data));
  const token = exchanged.data.token;
  const published = release("1.1.0", token);
  assert.equal(published.status, 0, published.stderr);
  const { data: journal } = await call(`${registry.admin_url}/publishes`, {
    token: `Bearer ${registry.admin_token}`,
  });
  const last = journal.publishes.at(-1);
  assert.equal(last.version, "1.1.0");
  assert.equal(last.trusted_publishing.repository, "acme/ci-crate");
  assert.equal(last.trusted_publishing.run_id, process.env.GITHUB_RUN_ID);

  // The JWT is spent; the token ends with the job.
  const again = await call(`${registry.url}/api/v1/trusted_publishing/tokens`, { method: "POST", body: { jwt } });
  assert.equal(again.status, 400);
  assert.equal(again.data.errors[0].detail, "JWT has already been used");
  const revoked = await fetch(`${registry.url}/api/v1/trusted_publishing/tokens`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(revoked.status, 204);
  const refused = release("1.2.0", token);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /Invalid authentication token/);
});
