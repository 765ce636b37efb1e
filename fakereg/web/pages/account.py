"""The signed-in part of ``/me``, like crates.io's account settings: the user's API tokens
(name, scopes, crates, times), a form that makes one and shows it once, a revoke button on
each (the same tokens as ``/api/v1/me/tokens`` and ``reg.add_token``); and the owner
invitations waiting for them, with accept and decline buttons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from werkzeug.datastructures import MultiDict

from ...errors import InvalidError
from ...services.invitations import OwnerInvitations
from ...storage.accounts import Accounts
from ...storage.tokens import SCOPES, TokenInfo, check_limits
from .layout import cells, esc, hidden_csrf, table, when

#: The expiries the form offers, in days (none: the token never expires).
EXPIRIES = (("", "never"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days"))


class AccountPages:
    """Renders the account view and carries out its forms for one registry's *accounts*
    and *invitations*."""

    def __init__(self, accounts: Accounts, invitations: OwnerInvitations) -> None:
        self._accounts = accounts
        self._invitations = invitations

    def create(self, login: str, form: MultiDict[str, str]) -> tuple[str, TokenInfo]:
        """The token the form asks for, made for *login*; :class:`InvalidError` for a form
        crates.io would refuse (no name, an unknown scope, a bad crate pattern)."""
        name = (form.get("name") or "").strip()
        if not name:
            raise InvalidError("name must have a value")
        scopes = form.getlist("scopes") or None
        crates = (form.get("crates") or "").replace(",", " ").split() or None
        days = form.get("expires") or ""
        expires = None
        if days:
            if not days.isdigit() or not 0 < int(days) <= 3650:
                raise InvalidError("expires must be a number of days from 1 to 3650")
            expires = datetime.now(timezone.utc) + timedelta(days=int(days))
        return self._accounts.create_token(login, name, check_limits(scopes, crates, expires))

    def revoke(self, login: str, token_id: int) -> None:
        self._accounts.revoke_id(login, token_id)

    def respond(self, login: str, crate_id: int, *, accepted: bool) -> None:
        """Accept or decline *login*'s invitation to the crate whose id is *crate_id*."""
        self._invitations.respond(login, crate_id, accepted=accepted)

    def view(self, login: str, csrf: str | None, made: tuple[str, TokenInfo] | None) -> str:
        """The user's invitations, tokens, the form for a new token, and *made* (a token
        just made, shown this once)."""
        shown = ""
        if made is not None:
            token, info = made
            shown = (
                f'<div class="notice" role="status">Token “{esc(info.name)}” made. Copy it '
                "now: it is not shown again."
                f'<div class="copy"><pre id="new-token">{esc(token)}</pre>'
                '<button type="button" data-copy="new-token">Copy</button></div></div>'
            )
        rows = [self._row(t, csrf) for t in self._accounts.tokens(login)]
        listing = table(
            ("Name", "Scopes", "Crates", "Made", "Expires", ""),
            rows,
            cls="tokens",
            empty="No tokens.",
        )
        return (
            f"{self._invitations_view(login, csrf)}<h2>API tokens</h2>{shown}{listing}{_form(csrf)}"
        )

    def _invitations_view(self, login: str, csrf: str | None) -> str:
        pending = self._invitations.pending(invitee=login)
        if not pending:
            return ""
        rows = []
        for invitation in pending:
            buttons = "".join(
                f'<form class="inline" method="post" '
                f'action="/me/invitations/{invitation.crate_id}/{action}">'
                f"{hidden_csrf(csrf)}<button{cls}>{label}</button></form>"
                for action, label, cls in (
                    ("accept", "Accept", ""),
                    ("decline", "Decline", ' class="danger"'),
                )
            )
            rows.append(
                cells(
                    f'<a href="/crates/{esc(invitation.crate)}">{esc(invitation.crate)}</a>',
                    esc(invitation.inviter),
                    when(invitation.expires_at.isoformat()),
                    buttons,
                )
            )
        listing = table(("Crate", "Invited by", "Expires", ""), rows, cls="invitations")
        return f"<h2>Owner invitations</h2>{listing}"

    @staticmethod
    def _row(token: TokenInfo, csrf: str | None) -> str:
        revoke = (
            f'<form class="inline" method="post" action="/me/tokens/{token.id}/revoke">'
            f'{hidden_csrf(csrf)}<button class="danger">Revoke</button></form>'
        )
        return cells(
            esc(token.name),
            esc(", ".join(token.scopes)) if token.scopes is not None else "all",
            esc(", ".join(token.crates)) if token.crates is not None else "all",
            when(token.created_at.isoformat()),
            "never" if token.expires is None else when(token.expires.isoformat()),
            revoke,
        )


def _form(csrf: str | None) -> str:
    scopes = "".join(
        f'<label><input type="checkbox" name="scopes" value="{s}"> {s}</label>' for s in SCOPES
    )
    expiries = "".join(f'<option value="{v}">{label}</option>' for v, label in EXPIRIES)
    return (
        '<form class="grid" id="new-token-form" method="post" action="/me/tokens">'
        f"{hidden_csrf(csrf)}"
        '<label class="wide">Name <input name="name" required></label>'
        f'<fieldset class="wide"><legend>Scopes (none ticked: all)</legend>{scopes}</fieldset>'
        '<label class="wide">Crates <input name="crates" placeholder="e.g. foo, bar-*">'
        "</label>"
        f'<label>Expires <select name="expires">{expiries}</select></label>'
        "<button>Make token</button></form>"
    )
