// fakereg for Node: start a real Cargo registry (`python -m fakereg`) for a test, point real
// cargo at it, and steer it over its control API (`/__fakereg/...`). No dependencies: the
// control calls go through node:http and node:https, which (unlike fetch) take the CA of a
// registry started with `tls: true`.
import { readFileSync, rmSync } from "node:fs";
import { cargoEnv, exchange, FakeregError, launch, run, terminate } from "./process.js";

export { FakeregError };

const MATCH_KEYS = ["kind", "method", "crate", "version", "path", "status"];

/** `rustVersion` → `rust_version` (snake_case keys pass unchanged). */
function snake(key) {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function snakeKeys(object) {
  return Object.fromEntries(
    Object.entries(object)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [snake(key), value]),
  );
}

function crateJson(spec) {
  const data = snakeKeys(spec);
  if (Array.isArray(data.deps)) {
    data.deps = data.deps.map((dep) => (typeof dep === "string" ? dep : snakeKeys(dep)));
  }
  if (data.pubtime instanceof Date) data.pubtime = data.pubtime.toISOString();
  return data;
}

function criteria(filter) {
  const unknown = Object.keys(filter).filter((key) => !MATCH_KEYS.includes(key));
  if (unknown.length) {
    throw new FakeregError(`unknown request filter keys: ${unknown.join(", ")} (known: ${MATCH_KEYS.join(", ")})`);
  }
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined));
}

/** A fault in force; `remove()` ends it, `refresh()` reads its counts again. */
export class Fault {
  #registry;

  constructor(registry, info) {
    this.#registry = registry;
    Object.assign(this, info);
  }

  /** Stop the fault: requests are answered normally again. */
  async remove() {
    await this.#registry.call("DELETE", `/faults/${this.id}`);
    this.active = false;
  }

  /** This fault's `hits`, `seen` and `active` as the server has them now (false once spent or removed). */
  async refresh() {
    const { faults } = await this.#registry.call("GET", "/faults");
    const now = faults.find((fault) => fault.id === this.id);
    if (now) Object.assign(this, now);
    else this.active = false;
    return this;
  }
}

/** A running fakereg; made by {@link start}. */
export class Registry {
  #child;
  #work;
  #options;
  #stopped = false;
  #ca;

  constructor(child, ready, work, options) {
    this.#child = child;
    this.#work = work;
    this.#options = options;
    this.#ca = ready.ca_path ? readFileSync(ready.ca_path, "utf8") : undefined;
    /** The ready document as the server wrote it (url, admin_url, admin_token, config_toml, ...). */
    this.ready = ready;
  }

  /** The registry's base URL, e.g. `http://127.0.0.1:PORT`. */
  get url() {
    return this.ready.url;
  }
  /** The name cargo knows it by (`--registry NAME`, `registry = "NAME"`). */
  get name() {
    return this.ready.name;
  }
  get protocol() {
    return this.ready.protocol;
  }
  /** The index URL cargo is configured with (`sparse+…` or the git URL). */
  get indexUrl() {
    return this.ready.index_url;
  }
  /** The default user's API token. */
  get token() {
    return this.ready.token;
  }
  get login() {
    return this.ready.login;
  }
  get adminUrl() {
    return this.ready.admin_url;
  }
  get adminToken() {
    return this.ready.admin_token;
  }
  /** A `CARGO_HOME` holding the registry's config and the default user's token. */
  get cargoHome() {
    return this.ready.cargo_home;
  }
  /** The CA certificate's path with `tls: true`, else null. */
  get caPath() {
    return this.ready.ca_path;
  }
  /** The server's process id. */
  get pid() {
    return this.#child.pid;
  }
  get running() {
    return !this.#stopped && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** A fresh copy of process.env pointing cargo at this registry only: spread it into a child's env. */
  get env() {
    const { retrySleepMs = 10, publishTimeout = null } = this.#options;
    return cargoEnv(this.cargoHome, { retrySleepMs, publishTimeout });
  }

  /**
   * Run real cargo (`$FAKEREG_CARGO` or `cargo` on PATH) with {@link Registry.env} plus `opts.env`.
   * Resolves to `{ status, signal, stdout, stderr }`; with `check: true` a failure rejects.
   */
  async cargo(args, { cwd, env, input, timeout, check = false } = {}) {
    const binary = this.#options.cargo ?? process.env.FAKEREG_CARGO ?? "cargo";
    const result = await run(binary, args.map(String), { cwd, env: { ...this.env, ...env }, input, timeout });
    if (check && result.status !== 0) {
      throw new FakeregError(
        `cargo ${args.join(" ")} failed (exit ${result.status ?? result.signal}):\n${result.stderr}`,
        { detail: result.stderr },
      );
    }
    return result;
  }

  /** One control API call: `route` under `/__fakereg`; JSON in and out; FakeregError when refused. */
  async call(method, route, body = undefined) {
    if (this.#stopped) throw new FakeregError("the registry is stopped");
    const headers = { Authorization: `Bearer ${this.adminToken}` };
    const raw = body instanceof Uint8Array;
    if (body !== undefined && !raw) headers["Content-Type"] = "application/json";
    const answer = await exchange(this.adminUrl + route, {
      method,
      headers,
      body: body === undefined || raw ? body : JSON.stringify(body),
      ca: this.#ca,
    });
    const text = answer.text;
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (answer.status < 200 || answer.status > 299) {
      const details = Array.isArray(data?.errors) ? data.errors.map((e) => e.detail) : [text];
      const detail = details.join("\n");
      throw new FakeregError(`${method} /__fakereg${route}: ${answer.status}: ${detail}`, {
        status: answer.status,
        detail,
      });
    }
    return data;
  }

  /** `{status, name, url, protocol}`. */
  health() {
    return this.call("GET", "/health");
  }

  /** Add a version (or a list, all or nothing) as Python's `add_crate`; resolves to `{name, version, cksum}` (or their list). */
  addCrate(spec) {
    const body = Array.isArray(spec) ? spec.map(crateJson) : crateJson(spec);
    return this.call("POST", "/crates", body);
  }

  /** Import a `.crate` (its bytes); resolves to `{name, version, cksum, added}` (`{added: false}` when already there). */
  importCrate(bytes) {
    return this.call("PUT", "/crates", bytes);
  }

  /** Every crate: `[{name, owners, versions: [{num, yanked, cksum}]}]`. */
  async crates() {
    return (await this.call("GET", "/crates")).crates;
  }

  /** Create a user; resolves to `{login, token}`. */
  addUser(login, { name, read } = {}) {
    return this.call("POST", "/users", snakeKeys({ login, name, read }));
  }

  /** A new token of `login` (scopes, crates, expires, name as crates.io's); resolves to the token. */
  async addToken({ login, scopes, crates, expires, name }) {
    const when = expires instanceof Date ? expires.toISOString() : expires;
    const body = snakeKeys({ login, scopes, crates, expires: when, name });
    return (await this.call("POST", "/tokens", body)).token;
  }

  /** Revoke a token (404 when nobody holds it). */
  async revokeToken(token) {
    await this.call("DELETE", "/tokens", { token });
  }

  /** The email verification token crates.io would have mailed `login` last. */
  async emailToken(login) {
    return (await this.call("GET", `/users/${encodeURIComponent(login)}/email-token`)).token;
  }

  /** Let `login` sign asymmetric tokens with a `k3.public.…` key; resolves to its key id. */
  async addPublicKey(login, key) {
    return (await this.call("POST", "/public-keys", { login, key })).kid;
  }

  /** Owner invitations (of `crate`, to `login`; the expired ones too with `expired`). */
  async invitations({ crate, login, expired } = {}) {
    const query = new URLSearchParams();
    if (crate !== undefined) query.set("crate", crate);
    if (login !== undefined) query.set("login", login);
    if (expired) query.set("expired", "true");
    return (await this.call("GET", `/invitations?${query}`)).invitations;
  }

  /** Answer `login`'s invitation to `crate` as its invitee: `accept`, `decline` or `expire`. */
  answerInvitation(crate, login, action) {
    return this.call("POST", "/invitations", { crate, login, action });
  }

  /** Add a team (`github:org:team`) of user logins; resolves to `{id, login, name, members}`. */
  addTeam(login, members = [], { name } = {}) {
    return this.call("POST", "/teams", snakeKeys({ login, members, name }));
  }

  /** Every team. */
  async teams() {
    return (await this.call("GET", "/teams")).teams;
  }

  /** The trusted publishing configs (of `crate`): `{githubConfigs, gitlabConfigs}`. */
  async trustedPublishers({ crate } = {}) {
    const query = crate === undefined ? "" : `?crate=${encodeURIComponent(crate)}`;
    const data = await this.call("GET", `/trusted-publishers${query}`);
    return { githubConfigs: data.github_configs, gitlabConfigs: data.gitlab_configs };
  }

  /**
   * Add a trusted publisher: `{crate, repositoryOwner, repositoryName, workflowFilename, environment}`,
   * or with `provider: "gitlab"` `{crate, namespace, project, workflowFilepath, environment}`; resolves to the config.
   */
  addTrustedPublisher(config) {
    return this.call("POST", "/trusted-publishers", snakeKeys(config));
  }

  /** The environment of a GitHub Actions job (`repository`, `workflow`, `ref`, `environment`, `claims`). */
  githubActionsEnv(options = {}) {
    return this.call("POST", "/github-actions-env", snakeKeys(options));
  }

  /** The environment of a GitLab CI/CD job (`project`, `workflowFilepath`, `ref`, `environment`, `idTokenVariable`, `claims`). */
  gitlabCiEnv(options = {}) {
    return this.call("POST", "/gitlab-ci-env", snakeKeys(options));
  }

  /** Make matching requests fail, as Python's `reg.fail(kind, ...)`: `{kind, crate, status, after, times, ...}`. */
  async fail(spec) {
    return new Fault(this, await this.call("POST", "/faults", snakeKeys(spec)));
  }

  /** The faults in force. */
  async faults() {
    return (await this.call("GET", "/faults")).faults.map((info) => new Fault(this, info));
  }

  /** Hold index updates back `seconds` or `polls` (git: fetches); no argument stops delaying. */
  delayIndexUpdates({ seconds, polls } = {}) {
    return this.call("POST", "/index-delay", snakeKeys({ seconds, polls }));
  }

  /** The journal: `{requests, lastSeq, dropped}` after `since`, filtered like {@link Registry.requests}. */
  async journal({ since, secrets, ...filter } = {}) {
    const query = new URLSearchParams(Object.entries(criteria(filter)).map(([k, v]) => [k, String(v)]));
    if (since !== undefined) query.set("since", String(since));
    if (secrets) query.set("secrets", "1");
    const data = await this.call("GET", `/requests?${query}`);
    return { requests: data.requests, lastSeq: data.last_seq, dropped: data.dropped };
  }

  /** The recorded requests matching `filter` (`kind`, `method`, `crate`, `version`, `path`, `status`, `since`). */
  async requests(filter = {}) {
    return (await this.journal(filter)).requests;
  }

  /** The journal's newest sequence number: pass it as `since` to see what comes next. */
  async mark() {
    return (await this.journal()).lastSeq;
  }

  /** The publish records (after `since`). */
  async publishes({ since } = {}) {
    const query = since === undefined ? "" : `?since=${since}`;
    return (await this.call("GET", `/publishes${query}`)).publishes;
  }

  /**
   * Wait until `count` (1) requests matching `filter` arrived after `since` (seconds of `timeout`, 10);
   * resolves to them. A FakeregError with status 408 lists the closest ones otherwise.
   */
  async waitFor(filter = {}, { timeout = 10, since = 0, count = 1 } = {}) {
    const body = { ...criteria(filter), count, timeout, since };
    return (await this.call("POST", "/wait", body)).requests;
  }

  /**
   * Assert that requests matching `filter` arrived (after `since`; exactly `count` of them when given):
   * resolves to them, or throws a FakeregError whose message is the server's account of the closest ones.
   */
  async assertRequested(filter = {}, { count, since = 0 } = {}) {
    let found;
    try {
      found = await this.waitFor(filter, { timeout: 0, since, count: count ?? 1 });
    } catch (error) {
      if (error instanceof FakeregError && error.status === 408) {
        throw new FakeregError(error.detail, { status: 408, detail: error.detail });
      }
      throw error;
    }
    if (count !== undefined) {
      const all = (await this.journal({ ...filter, since })).requests;
      if (all.length !== count) {
        const message = `expected ${count} requests matching ${JSON.stringify(filter)}, got ${all.length}`;
        throw new FakeregError(message, { status: 408 });
      }
      return all;
    }
    return found;
  }

  /** Forget traffic and faults, end index delays; `{crates: true}` also removes every crate. */
  reset({ crates = false } = {}) {
    return this.call("POST", "/reset", { crates });
  }

  /** Stop the server and wait for its exit (idempotent). */
  async stop() {
    if (this.#stopped) return;
    this.#stopped = true;
    await terminate(this.#child);
    rmSync(this.#work, { recursive: true, force: true });
  }

  /** `await using reg = await start()` stops it at the end of the block. */
  async [Symbol.asyncDispose]() {
    await this.stop();
  }

  /** Tokens stay out of logs: only the URL is shown. */
  toJSON() {
    return { url: this.url, name: this.name, protocol: this.protocol };
  }

  [Symbol.for("nodejs.util.inspect.custom")]() {
    return `Registry <${this.name} ${this.running ? this.url : "stopped"}>`;
  }
}

/**
 * Start `python -m fakereg` (the interpreter from `FAKEREG_PYTHON`, else `python3`) and wait
 * until it serves. Options: protocol ("sparse" | "git"), name, tls, authRequired, strict,
 * ownerInvitations, token, users, root, seed, replaceCratesIo, ... (see index.d.ts).
 */
export async function start(options = {}) {
  const { child, ready, work } = await launch(options);
  return new Registry(child, ready, work, options);
}
