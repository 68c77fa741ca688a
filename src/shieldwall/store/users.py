"""Accounts of the review UI: users, server-side sessions and login throttling.

Passwords and nothing else identify a person here, so the store is strict:

- passwords are argon2 hashes; a wrong password and an unknown user take the same
  path (a hash is verified either way) so timing does not reveal who has an account;
- a session cookie carries a random token; only its SHA-256 is stored, so a copy
  of the database does not let anyone sign in;
- after ``MAX_FAILURES`` failed sign-ins for one account, or ``MAX_IP_FAILURES``
  from one address, further attempts are refused for ``LOCK_MINUTES`` even with
  the right password (a guesser learns nothing during the lock).

Every sign-in, failed sign-in and sign-out is chained into the audit trail in the
transaction that writes the session or throttle row (so neither exists unaudited).
The actor is the pseudonymous handle ``staff:<user id>``, never the username (which
may be an e-mail address); a failed attempt keeps the typed username and the client
address only as personal fields (chained as salted digests, redactable).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.access import MIN_PASSWORD as MIN_PASSWORD
from shieldwall.access import ROLES as ROLES  # defined once, in the core; re-exported
from shieldwall.access import is_role
from shieldwall.audit import ActorKind
from shieldwall.errors import ConflictError, InputError, NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.models import NAME_MAX, utcnow
from shieldwall.store.secret_hashes import hash_secret, needs_rehash, verify_secret
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import LoginThrottleRow, UserRow, WebSessionRow

MAX_FAILURES = 5
"""Failed sign-ins for one account before it is locked."""
MAX_IP_FAILURES = 20
"""Failed sign-ins from one address (any accounts) before it is locked; higher than the
per-account limit because an office shares one address."""
LOCK_MINUTES = 15
SESSION_HOURS = 12


class UserExistsError(ConflictError):
    code = "user_exists"


class UserNotFoundError(NotFoundError):
    code = "user_not_found"


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    role: str
    blur_strength: int
    active: bool
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A signed-in browser: the user, the CSRF token for its forms, when it started."""

    user: UserInfo
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LoginResult:
    """``user`` on success; otherwise why not (``locked`` says a lock is in force)."""

    user: UserInfo | None
    locked: bool = False
    locked_until: datetime | None = None


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def staff_handle(user_id: int) -> str:
    """The pseudonymous actor name of a staff account in the audit trail."""
    return f"staff:{user_id}"


def _throttle_key(kind: str, value: str) -> str:
    """``user:<name>`` / ``ip:<address>``, or a digest when that would not fit the column."""
    key = f"{kind}:{value}"
    if len(key) <= NAME_MAX:
        return key
    return f"{kind}#{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()}"


def _lock_throttle_rows(session: Session, keys: tuple[str, str]) -> list[LoginThrottleRow]:
    """The throttle rows for ``keys``, created if missing and locked for this transaction.

    Why: a read-then-write count races on PostgreSQL: concurrent guesses all read the
    same count (47 got through a 5-failure lock) and concurrent first failures collided
    on the primary key (500). Inserting with ON CONFLICT DO NOTHING and then taking the
    rows FOR UPDATE (in key order, so two logins never deadlock) makes every guess wait
    for the one before it and see its count. SQLite writers already run one at a time
    (``BEGIN IMMEDIATE``), where FOR UPDATE is a no-op.
    """
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    for key in sorted(keys):
        session.execute(
            insert_fn(LoginThrottleRow)
            .values(key=key, failures=0)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    rows = session.scalars(
        select(LoginThrottleRow)
        .where(LoginThrottleRow.key.in_(keys))
        .order_by(LoginThrottleRow.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    by_key = {r.key: r for r in rows}
    return [by_key[k] for k in keys]


class UserStore(SessionScoped):
    """Users, sessions and the login throttle."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        # Without the runtime's writer events are still chained, only not checkpoint-signed.
        self._audit = audit or AuditWriter()

    # -- users -------------------------------------------------------------------------------

    def create_user(self, *, username: str, role: str, password: str) -> UserInfo:
        username = username.strip()
        if not username or len(username) > 100 or not username.isprintable():
            raise InputError("a username is 1 to 100 printable characters", value=username)
        if not is_role(role):
            raise InputError(f"role must be one of {', '.join(ROLES)}", value=role)
        if len(password) < MIN_PASSWORD:
            raise InputError(f"a password needs at least {MIN_PASSWORD} characters")
        try:
            with self._writing() as session:
                if session.scalar(select(UserRow.id).where(UserRow.username == username)):
                    raise UserExistsError("a user with this name exists", value=username)
                row = UserRow(
                    username=username,
                    role=role,
                    password_hash=hash_secret(password),
                    blur_strength=3,
                    active=True,
                    created_at=utcnow(),
                )
                session.add(row)
                session.flush()
                return _user(row)
        except IntegrityError as exc:
            raise UserExistsError("a user with this name exists", value=username) from exc

    def get_user(self, username: str) -> UserInfo:
        with self._reading() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is None:
                raise UserNotFoundError("no user with this name", value=username)
            return _user(row)

    def list_users(self) -> list[UserInfo]:
        with self._reading() as session:
            return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]

    def set_blur_strength(self, user_id: int, strength: int) -> None:
        if not 0 <= strength <= 5:
            raise InputError("blur strength is 0 (off) to 5", value=strength)
        with self._writing() as session:
            row = session.get(UserRow, user_id)
            if row is not None:
                row.blur_strength = strength

    # -- sign-in -----------------------------------------------------------------------------

    def authenticate(
        self, *, username: str, password: str, address: str, now: datetime | None = None
    ) -> LoginResult:
        """Check a password under the throttle; records the failure or clears the count."""
        at = now or utcnow()
        keys = (_throttle_key("user", username), _throttle_key("ip", address))
        with self._writing() as session:
            locks = _lock_throttle_rows(session, keys)
            until = max(
                (r.locked_until for r in locks if r and r.locked_until and r.locked_until > at),
                default=None,
            )
            if until is not None:
                self._audit_failure(session, username, address, reason="locked", at=at)
                return LoginResult(None, locked=True, locked_until=until)
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            ok = verify_secret(row.password_hash if row else None, password)
            if row is not None and ok and row.active:
                session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key == keys[0]))
                # The address row was only made to be locked; keep it only if it counts.
                session.execute(
                    delete(LoginThrottleRow).where(
                        LoginThrottleRow.key == keys[1], LoginThrottleRow.failures == 0
                    )
                )
                row.last_login_at = at
                if needs_rehash(row.password_hash):
                    row.password_hash = hash_secret(password)
                return LoginResult(_user(row))
            locked_until = None
            for entry, limit in zip(locks, (MAX_FAILURES, MAX_IP_FAILURES), strict=True):
                # A lock that ran out starts a fresh count.
                if entry.locked_until is not None and entry.locked_until <= at:
                    entry.failures, entry.locked_until = 0, None
                entry.failures += 1
                entry.last_failure_at = at
                if entry.failures >= limit:
                    entry.locked_until = at + timedelta(minutes=LOCK_MINUTES)
                    locked_until = entry.locked_until
            reason = "inactive" if row is not None and ok else "bad_credentials"
            self._audit_failure(session, username, address, reason=reason, at=at)
            return LoginResult(None, locked=locked_until is not None, locked_until=locked_until)

    def _audit_failure(
        self, session: Session, username: str, address: str, *, reason: str, at: datetime
    ) -> None:
        # Who tried is unknown (and may be a typo of someone's e-mail): the attempt is chained
        # under an anonymous actor, with the typed name and address as salted digests only.
        self._audit.append(
            session,
            action="auth.login_failed",
            actor="anonymous",
            actor_kind=ActorKind.HUMAN,
            subject_type="login",
            details={
                "reason": reason,
                "attempted_username": username[:100],
                "address": address[:100],
            },
            personal_fields=("attempted_username", "address"),
            at=at,
        )

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, user_id: int, *, now: datetime | None = None) -> tuple[str, str]:
        """Start a session; returns ``(cookie token, csrf token)``. The token is not stored."""
        at = now or utcnow()
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self._writing() as session:
            user = session.get(UserRow, user_id)
            session.add(
                WebSessionRow(
                    id=token_id(token),
                    user_id=user_id,
                    csrf_token=csrf,
                    created_at=at,
                    last_seen_at=at,
                    expires_at=at + timedelta(hours=SESSION_HOURS),
                )
            )
            # Sessions past their end are useless; sweep them while we are writing anyway.
            session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= at))
            self._audit.append(
                session,
                action="auth.login",
                actor=staff_handle(user_id),
                actor_kind=ActorKind.HUMAN,
                subject_type="staff",
                subject_id=staff_handle(user_id),
                details={"role": user.role if user is not None else None},
                at=at,
            )
        return token, csrf

    def session_for(self, token: str, *, now: datetime | None = None) -> SessionInfo | None:
        """The live session of a cookie token, or None (unknown, expired, user disabled)."""
        at = now or utcnow()
        with self._reading() as session:
            row = session.get(WebSessionRow, token_id(token))
            if row is None or row.expires_at <= at:
                return None
            user = session.get(UserRow, row.user_id)
            if user is None or not user.active:
                return None
            return SessionInfo(_user(user), row.csrf_token, row.created_at, row.expires_at)

    def close_session(self, token: str) -> None:
        """Sign out: delete the session (and chain ``auth.logout`` when there was one)."""
        with self._writing() as session:
            row = session.get(WebSessionRow, token_id(token))
            if row is None:
                return
            user_id = row.user_id
            session.delete(row)
            session.flush()
            self._audit.append(
                session,
                action="auth.logout",
                actor=staff_handle(user_id),
                actor_kind=ActorKind.HUMAN,
                subject_type="staff",
                subject_id=staff_handle(user_id),
            )


def _user(r: UserRow) -> UserInfo:
    return UserInfo(
        id=r.id,
        username=r.username,
        role=r.role,
        blur_strength=r.blur_strength,
        active=r.active,
        created_at=r.created_at,
        last_login_at=r.last_login_at,
    )
