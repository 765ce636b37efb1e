// Type declarations of the `fakereg` package (hand-written; the code is index.js and process.js).

/** start()'s options: the flags of `python -m fakereg`, and how the client runs it. */
export interface StartOptions {
  /** The index protocol cargo is configured with ("sparse" by default). */
  protocol?: "sparse" | "git";
  /** The registry's name in cargo's config ("fakereg"). */
  name?: string;
  /** Serve HTTPS with a CA made for this registry (`caPath`; `env` makes cargo and git trust it). */
  tls?: boolean;
  /** A private registry: reading needs a token. */
  authRequired?: boolean;
  /** crates.io's metadata and dependency rules. */
  strict?: boolean;
  /** Adding an owner invites them, as on crates.io. */
  ownerInvitations?: boolean;
  /** Stand in for crates.io in the cargo configuration. */
  replaceCratesIo?: boolean;
  /** HTTP/1.1 only. */
  noHttp2?: boolean;
  /** The default user's token (generated otherwise). */
  token?: string;
  /** Users created at start (`ready.users` holds their tokens). */
  users?: string[];
  /** `.crate` files or unpacked crate folders imported at start. */
  seed?: string[];
  /** Host names requests may name besides 127.0.0.1 and localhost. */
  allowedHosts?: string[];
  /** Index URLs whose dependencies `seed` takes from this registry (crates packaged against another). */
  localRegistries?: string[];
  /** Users (created if need be) who sign cargo's asymmetric tokens, each with its `k3.public.…` key. */
  publicKeys?: Record<string, string>;
  /** HTTP/2 streams a client may have open at once (100). */
  maxConcurrentStreams?: number;
  /** The folder that keeps the state (a temporary one, removed at stop, by default). */
  root?: string;
  /** Address to bind (127.0.0.1). */
  host?: string;
  /** Port to bind (0: a free one). */
  port?: number;
  /** Requests the journal keeps. */
  maxRecorded?: number;
  /** Bodies over this size are recorded as size and sha256 only. */
  maxRecordedBody?: number;
  /** The interpreter ($FAKEREG_PYTHON, else "python3"). */
  python?: string;
  /** Milliseconds to wait for the server (60000). */
  readyTimeout?: number;
  /** cargo's sleep between retries in `env` (10 ms; null: cargo's own schedule). */
  retrySleepMs?: number | null;
  /** Seconds `cargo publish` waits for the index (cargo's 60 when null). */
  publishTimeout?: number | null;
  /** The cargo binary `reg.cargo()` runs ($FAKEREG_CARGO, else "cargo"). */
  cargo?: string;
}

/** The JSON object the server writes to its ready file. */
export interface ReadyDocument {
  url: string;
  name: string;
  protocol: "sparse" | "git";
  index_url: string;
  sparse_index_url: string;
  git_index_url: string;
  token: string;
  login: string;
  users: Record<string, string>;
  admin_url: string;
  admin_token: string;
  page_url: string;
  admin_page_url: string;
  pid: number;
  root: string;
  cargo_home: string;
  ca_path: string | null;
  config_toml: string;
  credentials_toml: string;
}

/** Every error of the package: `status` is the HTTP status of a refused control call (else null). */
export class FakeregError extends Error {
  readonly name: "FakeregError";
  readonly status: number | null;
  /** The server's words (`errors[].detail`), or cargo's stderr. */
  readonly detail: string;
}

export interface DependencySpec {
  name: string;
  req?: string;
  features?: string[];
  optional?: boolean;
  defaultFeatures?: boolean;
  target?: string;
  kind?: "normal" | "dev" | "build";
  registry?: string;
  /** The key it goes by in the dependent's Cargo.toml (`package = name` there). */
  rename?: string;
}

/** Python's `add_crate` arguments; camelCase keys are sent in snake_case. */
export interface CrateSpec {
  name: string;
  version: string;
  /** `"name@req"` or objects. */
  deps?: Array<string | DependencySpec>;
  features?: Record<string, string[]>;
  yanked?: boolean;
  owner?: string;
  pubtime?: string | Date;
  links?: string;
  rustVersion?: string;
  edition?: string;
  files?: Record<string, string>;
  procMacro?: boolean;
  buildRs?: boolean | string;
  description?: string;
  license?: string;
  keywords?: string[];
  categories?: string[];
  repository?: string;
  homepage?: string;
  documentation?: string;
  authors?: string[];
  readme?: string;
  [key: string]: unknown;
}

export interface CrateVersion {
  name: string;
  version: string;
  cksum: string;
}

export interface CrateListing {
  name: string;
  owners: string[];
  versions: Array<{ num: string; yanked: boolean; cksum: string }>;
}

/** What a request is (the route table's kinds), e.g. "index", "git", "download", "publish". */
export type Kind = string;

/** Which requests: every given key must match. */
export interface RequestFilter {
  kind?: Kind;
  method?: string;
  crate?: string;
  version?: string;
  path?: string;
  status?: number;
}

/** Python's `reg.fail()` keywords; camelCase keys are sent in snake_case. */
export interface FaultSpec {
  kind: Kind;
  crate?: string;
  version?: string;
  method?: string;
  times?: number;
  after?: number;
  status?: number;
  errors?: string[] | string;
  body?: string;
  bodyBase64?: string;
  headers?: Record<string, string>;
  delay?: number;
  dribble?: number;
  drop?: boolean;
  reset?: boolean;
  goaway?: string | boolean;
  resetStream?: string | boolean;
  tlsEof?: boolean;
  stall?: boolean;
  truncate?: boolean;
  corrupt?: boolean;
  malicious?: boolean;
  invalidLine?: boolean;
}

/** A fault in force, as the server describes it. */
export class Fault {
  readonly id: number;
  readonly kind: Kind;
  readonly description: string;
  readonly crate: string | null;
  readonly version: string | null;
  readonly method: string | null;
  readonly times: number | null;
  readonly after: number;
  /** Requests it changed (as of creation or the last refresh()). */
  readonly hits: number;
  /** Matching requests it saw, `after` included. */
  readonly seen: number;
  readonly active: boolean;
  /** End the fault. */
  remove(): Promise<void>;
  /** Read hits, seen and active again (active false once spent or removed). */
  refresh(): Promise<this>;
}

/** A recorded request, with the control API's field names. */
export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | null;
  body_base64: string | null;
  status: number;
  kind: Kind;
  response_body: string | null;
  response_body_base64: string | null;
  duration: number;
  crate: string | null;
  version: string | null;
  /** The fault that answered, described; null when the registry did. */
  fault: string | null;
  at: number;
  http_version: string;
  body_size: number;
  body_sha256: string | null;
  response_body_size: number;
  response_body_sha256: string | null;
}

/** An owner invitation, with the token crates.io would email. */
export interface Invitation {
  crate: string;
  crate_id: number;
  invitee: string;
  inviter: string;
  created_at: string;
  expires_at: string;
  expired: boolean;
  token: string;
}

/** A team (`github:org:team`). */
export interface Team {
  id: number;
  login: string;
  name: string | null;
  members: string[];
}

export interface Journal {
  requests: RecordedRequest[];
  /** Pass as `since` to see only what comes next. */
  lastSeq: number;
  /** Requests the journal dropped (over maxRecorded). */
  dropped: number;
}

/** A publish, with the control API's field names. */
export interface PublishRecord {
  seq: number;
  status: number;
  accepted: boolean;
  error: string | null;
  login: string | null;
  name: string;
  version: string;
  metadata: Record<string, unknown>;
  files: string[];
  manifest: string;
  crate_base64: string;
  trusted_publishing: unknown;
}

export interface CargoOptions {
  cwd?: string;
  /** Added to (and over) `reg.env`. */
  env?: Record<string, string>;
  input?: string;
  /** Milliseconds before cargo is killed (600000). */
  timeout?: number;
  /** Reject with a FakeregError showing cargo's stderr when it fails. */
  check?: boolean;
}

export interface CargoResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** A running fakereg. */
export class Registry implements AsyncDisposable {
  /** The ready file's document. */
  readonly ready: ReadyDocument;
  readonly url: string;
  readonly name: string;
  readonly protocol: "sparse" | "git";
  readonly indexUrl: string;
  readonly token: string;
  readonly login: string;
  readonly adminUrl: string;
  readonly adminToken: string;
  readonly cargoHome: string;
  readonly caPath: string | null;
  readonly pid: number;
  readonly running: boolean;
  /** A fresh copy of process.env pointing cargo at this registry only. */
  readonly env: Record<string, string>;

  /** Run real cargo with `env`. */
  cargo(args: string[], options?: CargoOptions): Promise<CargoResult>;
  /** Any control route under `/__fakereg` (e.g. "/teams"); FakeregError when refused. */
  call<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  health(): Promise<{ status: "ok"; name: string; url: string; protocol: string }>;
  addCrate(spec: CrateSpec): Promise<CrateVersion>;
  addCrate(specs: CrateSpec[]): Promise<CrateVersion[]>;
  /** Import a `.crate`; `added: false` when that version is already there. */
  importCrate(bytes: Uint8Array): Promise<Partial<CrateVersion> & { added: boolean }>;
  crates(): Promise<CrateListing[]>;
  addUser(login: string, options?: { name?: string; read?: boolean }): Promise<{ login: string; token: string }>;
  addToken(options: {
    login: string;
    scopes?: string[];
    crates?: string[];
    expires?: string | Date;
    name?: string;
  }): Promise<string>;
  revokeToken(token: string): Promise<void>;
  /** The email verification token crates.io would have mailed `login` last. */
  emailToken(login: string): Promise<string>;
  /** Resolves to the key id (`kid`) of a `k3.public.…` key `login` may sign with. */
  addPublicKey(login: string, key: string): Promise<string>;
  invitations(options?: { crate?: string; login?: string; expired?: boolean }): Promise<Invitation[]>;
  answerInvitation(
    crate: string,
    login: string,
    action: "accept" | "decline" | "expire",
  ): Promise<{ crate: string; login: string; action: string }>;
  addTeam(login: string, members?: string[], options?: { name?: string }): Promise<Team>;
  teams(): Promise<Team[]>;
  trustedPublishers(options?: { crate?: string }): Promise<{
    githubConfigs: Record<string, unknown>[];
    gitlabConfigs: Record<string, unknown>[];
  }>;
  addTrustedPublisher(
    config:
      | {
          provider?: "github";
          crate: string;
          repositoryOwner: string;
          repositoryName: string;
          workflowFilename: string;
          environment?: string;
        }
      | {
          provider: "gitlab";
          crate: string;
          namespace: string;
          project: string;
          workflowFilepath: string;
          environment?: string;
        },
  ): Promise<Record<string, unknown>>;
  /** The environment variables of a GitHub Actions job (its ID token request URL and token). */
  githubActionsEnv(options?: {
    repository?: string;
    workflow?: string;
    ref?: string;
    environment?: string;
    claims?: Record<string, unknown>;
  }): Promise<Record<string, string>>;
  /** The environment variables of a GitLab CI/CD job, its ID token included. */
  gitlabCiEnv(options?: {
    project?: string;
    workflowFilepath?: string;
    ref?: string;
    environment?: string;
    idTokenVariable?: string;
    claims?: Record<string, unknown>;
  }): Promise<Record<string, string>>;
  fail(spec: FaultSpec): Promise<Fault>;
  faults(): Promise<Fault[]>;
  delayIndexUpdates(options?: { seconds?: number; polls?: number }): Promise<{
    seconds: number | null;
    polls: number | null;
  }>;
  journal(filter?: RequestFilter & { since?: number; secrets?: boolean }): Promise<Journal>;
  requests(filter?: RequestFilter & { since?: number; secrets?: boolean }): Promise<RecordedRequest[]>;
  /** The journal's newest sequence number. */
  mark(): Promise<number>;
  publishes(options?: { since?: number }): Promise<PublishRecord[]>;
  /** Resolves once `count` matching requests arrived after `since`; a 408 FakeregError otherwise. */
  waitFor(
    filter?: RequestFilter,
    options?: { timeout?: number; since?: number; count?: number },
  ): Promise<RecordedRequest[]>;
  /** Throws a FakeregError (status 408) whose message lists the closest requests. */
  assertRequested(filter?: RequestFilter, options?: { count?: number; since?: number }): Promise<RecordedRequest[]>;
  reset(options?: { crates?: boolean }): Promise<{ reset: true; crates_removed: unknown[] }>;
  stop(): Promise<void>;
  /** What JSON.stringify shows: no token. */
  toJSON(): { url: string; name: string; protocol: string };
  [Symbol.asyncDispose](): Promise<void>;
}

/** Start `python -m fakereg` and wait until it serves. */
export function start(options?: StartOptions): Promise<Registry>;
