"""The cases of invitations, accounts, tokens, trusted publishing and the session (see
:mod:`tests.openapi.case`)."""

from __future__ import annotations

from tests.openapi.case import (
    COOKIE_ONLY,
    NO_AUTH,
    NOT_FOUND,
    C,
    _answer,
    _confirm_token,
    _invite_token,
    _jwt,
    _keep,
    _new_token,
    _set_email,
)
from tests.openapi.world import World, exchanged_token, id_token, invite

# fmt: off
# -- owner invitations (crate_owner_invitation.rs) ----------------------------------------
INVITATIONS = [
    C(
        "GET", "/api/v1/me/crate_owner_invitations", 200, "/api/v1/me/crate_owner_invitations",
        "", "session:judy", setup=lambda w: invite(w, "owned", "judy"),
    ),
    C(
        "GET", "/api/v1/me/crate_owner_invitations", 403, "/api/v1/me/crate_owner_invitations",
        "no auth", detail=NO_AUTH,
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 200,
        "/api/private/crate_owner_invitations?crate_name=owned", "by crate", "session:owner",
        setup=lambda w: invite(w, "owned", "judy"),
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 200,
        "/api/private/crate_owner_invitations?invitee_id={judy_id}", "by invitee",
        "session:judy", setup=lambda w: invite(w, "owned", "judy"),
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 400,
        "/api/private/crate_owner_invitations", "no filter", "session:owner",
        detail="missing or invalid filter",
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 403,
        "/api/private/crate_owner_invitations?invitee_id={judy_id}", "another's", "session:bob",
        detail="only the invitee can query their pending invitations",
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 403,
        "/api/private/crate_owner_invitations?crate_name=owned", "not an owner", "session:bob",
        detail="only crate owners can query pending invitations for their crate",
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 403,
        "/api/private/crate_owner_invitations?crate_name=owned", "no auth", detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 200,
        "/api/v1/me/crate_owner_invitations/{invited_crate_id}", "accept", "token:erin",
        body=_answer("invited", True), setup=lambda w: invite(w, "invited", "erin"),
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 200,
        "/api/v1/me/crate_owner_invitations/{declined_crate_id}", "decline", "session:frank",
        body=_answer("declined", False), setup=lambda w: invite(w, "declined", "frank"),
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 404,
        "/api/v1/me/crate_owner_invitations/{alpha_crate_id}", "not invited", "token:bob",
        body=_answer("alpha", True), detail=NOT_FOUND,
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 403,
        "/api/v1/me/crate_owner_invitations/{alpha_crate_id}", "no auth",
        body=_answer("alpha", True), detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 422,
        "/api/v1/me/crate_owner_invitations/{alpha_crate_id}", "wrong shape", "token:bob",
        body={"crate_owner_invite": {"crate_id": "alpha"}},
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/accept/{token}", 200,
        "/api/v1/me/crate_owner_invitations/accept/{invite_token}", "",
        setup=_keep("invite_token", _invite_token),
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/accept/{token}", 404,
        "/api/v1/me/crate_owner_invitations/accept/no-such-token", "unknown token",
        detail=NOT_FOUND,
    ),
]

# -- users and their settings (user/*.rs) -------------------------------------------------
ACCOUNTS = [
    C("GET", "/api/v1/me", 200, "/api/v1/me", "", "session:owner"),
    C("GET", "/api/v1/me", 403, "/api/v1/me", "no auth", detail=NO_AUTH),
    C(
        "GET", "/api/v1/me", 403, "/api/v1/me", "a token", "token:owner", detail=COOKIE_ONLY,
        needs_sessions=True,
    ),
    C("GET", "/api/v1/users/{user}", 200, "/api/v1/users/bob"),
    C("GET", "/api/v1/users/{user}", 200, "/api/v1/users/fakereg-user", "an owner"),
    C("GET", "/api/v1/users/{user}", 404, "/api/v1/users/nobody-at-all"),
    C("GET", "/api/v1/users/{id}/stats", 200, "/api/v1/users/{owner_id}/stats"),
    C("GET", "/api/v1/users/{id}/stats", 400, "/api/v1/users/abc/stats", "not a number"),
    C("GET", "/api/v1/teams/{team}", 404, "/api/v1/teams/github:acme:owners", "no teams"),
    C(
        "PUT", "/api/v1/users/{user}", 200, "/api/v1/users/{grace_id}", "email", "token:grace",
        body={"user": {"email": "grace@example.com"}},
    ),
    C(
        "PUT", "/api/v1/users/{user}", 200, "/api/v1/users/{bob_id}", "notifications",
        "session:bob", body={"user": {"publish_notifications": True}},
    ),
    C(
        "PUT", "/api/v1/users/{user}", 400, "/api/v1/users/{grace_id}", "another user",
        "token:bob", body={"user": {"publish_notifications": False}},
        detail="current user does not match requested user",
    ),
    C(
        "PUT", "/api/v1/users/{user}", 400, "/api/v1/users/{bob_id}", "bad email", "token:bob",
        body={"user": {"email": "not an address"}}, detail="invalid email address",
    ),
    C(
        "PUT", "/api/v1/users/{user}", 403, "/api/v1/users/{bob_id}", "no auth",
        body={"user": {"publish_notifications": True}}, detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/users/{user}", 422, "/api/v1/users/{bob_id}", "wrong shape", "token:bob",
        body={"user": {"email": 5}},
    ),
    C(
        "PUT", "/api/v1/users/{id}/resend", 200, "/api/v1/users/{grace_id}/resend", "",
        "token:grace", setup=_set_email("grace"),
    ),
    C(
        "PUT", "/api/v1/users/{id}/resend", 400, "/api/v1/users/{grace_id}/resend", "another",
        "token:bob", detail="current user does not match requested user",
    ),
    C(
        "PUT", "/api/v1/users/{id}/resend", 403, "/api/v1/users/{grace_id}/resend", "no auth",
        detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/confirm/{email_token}", 200, "/api/v1/confirm/{email_token}", "",
        setup=_keep("email_token", _confirm_token),
    ),
    C(
        "PUT", "/api/v1/confirm/{email_token}", 400, "/api/v1/confirm/no-such-token", "unknown",
        detail="Email belonging to token not found.",
    ),
    C(
        "PUT", "/api/v1/me/email_notifications", 200, "/api/v1/me/email_notifications", "",
        "token:owner",
        body=lambda w: [{"id": w.values["alpha_crate_id"], "email_notifications": False}],
    ),
    C(
        "PUT", "/api/v1/me/email_notifications", 403, "/api/v1/me/email_notifications",
        "no auth", body=[], detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/me/email_notifications", 422, "/api/v1/me/email_notifications",
        "wrong shape", "token:owner", body={"id": 1},
    ),
]

# -- API tokens (token.rs) ----------------------------------------------------------------
TOKENS = [
    C("GET", "/api/v1/me/tokens", 200, "/api/v1/me/tokens", "", "session:owner"),
    C(
        "GET", "/api/v1/me/tokens", 200, "/api/v1/me/tokens?expired_days=30", "expired_days",
        "session:bob",
    ),
    C("GET", "/api/v1/me/tokens", 403, "/api/v1/me/tokens", "no auth", detail=NO_AUTH),
    C(
        "GET", "/api/v1/me/tokens", 403, "/api/v1/me/tokens", "a token", "token:owner",
        detail=COOKIE_ONLY, needs_sessions=True,
    ),
    C(
        "PUT", "/api/v1/me/tokens", 200, "/api/v1/me/tokens", "scoped", "session:owner",
        body={
            "api_token": {
                "name": "ci",
                "crate_scopes": ["alpha", "beta*"],
                "endpoint_scopes": ["publish-update", "yank"],
                "expired_at": "2100-01-01T00:00:00Z",
            }
        },
    ),
    C(
        "PUT", "/api/v1/me/tokens", 400, "/api/v1/me/tokens", "no name", "session:owner",
        body={"api_token": {"name": ""}}, detail="name must have a value",
    ),
    C(
        "PUT", "/api/v1/me/tokens", 400, "/api/v1/me/tokens", "by a token", "token:owner",
        body={"api_token": {"name": "again"}},
        detail="cannot use an API token to create a new API token", needs_sessions=True,
    ),
    C(
        "PUT", "/api/v1/me/tokens", 400, "/api/v1/me/tokens", "bad scope", "session:owner",
        body={"api_token": {"name": "bad", "endpoint_scopes": ["everything"]}},
        detail="invalid endpoint scope",
    ),
    C(
        "PUT", "/api/v1/me/tokens", 403, "/api/v1/me/tokens", "no auth",
        body={"api_token": {"name": "anon"}}, detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/me/tokens", 422, "/api/v1/me/tokens", "wrong shape", "session:owner",
        body={"api_token": {"name": 5}},
    ),
    C(
        "GET", "/api/v1/me/tokens/{id}", 200, "/api/v1/me/tokens/{shown_token}", "",
        "token:owner", setup=_keep("shown_token", _new_token("owner")),
    ),
    C(
        "GET", "/api/v1/me/tokens/{id}", 404, "/api/v1/me/tokens/999999", "", "token:owner",
        detail=NOT_FOUND,
    ),
    C("GET", "/api/v1/me/tokens/{id}", 403, "/api/v1/me/tokens/1", "no auth", detail=NO_AUTH),
    C(
        "DELETE", "/api/v1/me/tokens/{id}", 200, "/api/v1/me/tokens/{dropped_token}", "",
        "token:owner", setup=_keep("dropped_token", _new_token("owner")),
    ),
    C("DELETE", "/api/v1/me/tokens/{id}", 400, "/api/v1/me/tokens/abc", "", "token:owner"),
    C("DELETE", "/api/v1/me/tokens/{id}", 403, "/api/v1/me/tokens/1", "", detail=NO_AUTH),
    C(
        "DELETE", "/api/v1/tokens/current", 204, "/api/v1/tokens/current", "", "value:current",
        setup=_keep("current", lambda w: w.reg.add_token("bob")),
    ),
    C("DELETE", "/api/v1/tokens/current", 403, "/api/v1/tokens/current", "", detail=NO_AUTH),
    C(
        "DELETE", "/api/v1/tokens/current", 400, "/api/v1/tokens/current", "a session",
        "session:owner", detail="token not provided", needs_sessions=True,
    ),
]

# -- trusted publishing (trustpub/*) ------------------------------------------------------
GITHUB = "/api/v1/trusted_publishing/github_configs"
GITLAB = "/api/v1/trusted_publishing/gitlab_configs"
TP_TOKENS = "/api/v1/trusted_publishing/tokens"
NEW_GITHUB = {
    "github_config": {
        "crate": "alpha",
        "repository_owner": "acme",
        "repository_name": "alpha",
        "workflow_filename": "release.yml",
        "environment": "release",
    }
}
NEW_GITLAB = {
    "gitlab_config": {
        "crate": "alpha",
        "namespace": "acme",
        "project": "alpha",
        "workflow_filepath": ".gitlab-ci.yml",
        "environment": None,
    }
}


def _github_config(world: World) -> int:
    config = world.reg.add_trusted_publisher(
        "patchy", repository_owner="acme", repository_name="patchy", workflow_filename="ci.yml"
    )
    return config.id


def _gitlab_config(world: World) -> int:
    body = {"gitlab_config": dict(NEW_GITLAB["gitlab_config"], crate="patchy")}
    return int(world.ok("POST", GITLAB, auth="token:owner", body=body)["gitlab_config"]["id"])


TRUSTED = [
    C("GET", GITHUB, 200, f"{GITHUB}?crate=alpha", "", "token:owner"),
    C(
        "GET", GITHUB, 400, GITHUB, "no filter", "token:owner",
        detail="Must specify either `crate` or `user_id` query parameter",
    ),
    C("GET", GITHUB, 403, f"{GITHUB}?crate=alpha", "no auth", detail=NO_AUTH),
    C("POST", GITHUB, 200, GITHUB, "", "token:owner", body=NEW_GITHUB),
    C("POST", GITHUB, 403, GITHUB, "no auth", body=NEW_GITHUB, detail=NO_AUTH),
    C("POST", GITHUB, 422, GITHUB, "wrong shape", "token:owner", body={"github_config": {}}),
    C(
        "DELETE", f"{GITHUB}/{{id}}", 204, f"{GITHUB}/{{github_config}}", "", "token:owner",
        setup=_keep("github_config", _github_config),
    ),
    C("DELETE", f"{GITHUB}/{{id}}", 404, f"{GITHUB}/999999", "", detail=NOT_FOUND),
    C(
        "DELETE", f"{GITHUB}/{{id}}", 403, f"{GITHUB}/{{alpha_github_config}}", "no auth",
        detail=NO_AUTH,
    ),
    C("GET", GITLAB, 200, f"{GITLAB}?crate=alpha", "", "token:owner"),
    C(
        "GET", GITLAB, 400, GITLAB, "no filter", "token:owner",
        detail="Must specify either `crate` or `user_id` query parameter",
    ),
    C("GET", GITLAB, 403, f"{GITLAB}?crate=alpha", "no auth", detail=NO_AUTH),
    C("POST", GITLAB, 200, GITLAB, "", "token:owner", body=NEW_GITLAB),
    C("POST", GITLAB, 403, GITLAB, "no auth", body=NEW_GITLAB, detail=NO_AUTH),
    C("POST", GITLAB, 422, GITLAB, "wrong shape", "token:owner", body={"gitlab_config": {}}),
    C(
        "DELETE", f"{GITLAB}/{{id}}", 204, f"{GITLAB}/{{dropped_gitlab_config}}", "", "token:owner",
        setup=_keep("dropped_gitlab_config", _gitlab_config),
    ),
    C("DELETE", f"{GITLAB}/{{id}}", 404, f"{GITLAB}/999999", "", detail=NOT_FOUND),
    C(
        "DELETE", f"{GITLAB}/{{id}}", 403, f"{GITLAB}/{{kept_gitlab_config}}", "no auth",
        setup=_keep("kept_gitlab_config", _gitlab_config), detail=NO_AUTH,
    ),
    C(
        "POST", TP_TOKENS, 200, TP_TOKENS, "exchange", body=_jwt,
        setup=_keep("jwt", lambda w: id_token(w, "acme/alpha", "ci.yml")),
    ),
    C("POST", TP_TOKENS, 400, TP_TOKENS, "not a JWT", body={"jwt": "not-a-jwt"}),
    C("POST", TP_TOKENS, 422, TP_TOKENS, "wrong shape", body={"token": "x"}),
    C(
        "DELETE", TP_TOKENS, 204, TP_TOKENS, "revoke", "value:tp_token",
        setup=_keep("tp_token", exchanged_token),
    ),
    C(
        "DELETE", TP_TOKENS, 401, TP_TOKENS, "no header",
        detail="Missing `Authorization` header",
    ),
    C(
        "DELETE", TP_TOKENS, 401, TP_TOKENS, "not one", "wrong",
        detail="Invalid `Authorization` header: Failed to parse token",
    ),
]

# -- the session (session.rs): signing out; signing in is out of scope -------------------
SESSION = [
    C("DELETE", "/api/private/session", 200, "/api/private/session", "sign out", "session:kim"),
]
# fmt: on
