"""API keys and policy versions: small tables with their own repository.

Keys look like ``sw_<prefix>_<secret>``. Only an argon2 hash of the whole key
is stored; the prefix (random, not secret) finds the row without scanning.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.errors import NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.models import utcnow
from shieldwall.store.secret_hashes import hash_secret, verify_secret
from shieldwall.store.service_models import ApiKeyRow, PolicyVersionRow
from shieldwall.store.service_records import ApiKeyInfo, PolicyVersionInfo
from shieldwall.store.transactions import SessionScoped


class ApiKeyNotFoundError(NotFoundError):
    code = "api_key_not_found"


def split_key(key: str) -> tuple[str, str] | None:
    """``sw_<prefix>_<secret>`` -> (prefix, key); None when the shape is wrong."""
    parts = key.split("_")
    if len(parts) != 3 or parts[0] != "sw" or not parts[1] or not parts[2]:
        return None
    return parts[1], key


class KeyStore(SessionScoped):
    """API keys (argon2-hashed) and the policy versions that were activated."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()  # key and policy changes are chained

    # -- API keys ----------------------------------------------------------------------------

    def create_api_key(
        self, *, name: str, scopes: Sequence[str], rate_limit_per_minute: int | None = None
    ) -> tuple[str, ApiKeyInfo]:
        """Create a key; returns the key text (shown once, never stored) and its record."""
        prefix = secrets.token_hex(6)
        key = f"sw_{prefix}_{secrets.token_urlsafe(32).replace('_', '-')}"
        with self._writing() as session:
            row = ApiKeyRow(
                name=name,
                prefix=prefix,
                secret_hash=hash_secret(key),
                scopes=sorted(set(scopes)),
                rate_limit_per_minute=rate_limit_per_minute,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            self._audit.append(
                session,
                action="api_key.created",
                subject_type="api_key",
                subject_id=prefix,
                details={"name": name[:100], "scopes": sorted(set(scopes))},
            )
            return key, _key_info(row)

    def verify_api_key(self, key: str) -> ApiKeyInfo | None:
        """The key's record when ``key`` is valid and not revoked; None otherwise."""
        parsed = split_key(key)
        if parsed is None:
            return None
        with self._sessions() as session:
            row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == parsed[0]))
            if row is None or row.revoked_at is not None:
                return None
            info = _key_info(row)
        return info if verify_secret(info.secret_hash, key) else None

    def touch(self, key_id: int) -> None:
        with self._writing() as session:
            session.execute(
                update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=utcnow())
            )

    def revoke_api_key(self, prefix: str) -> ApiKeyInfo:
        with self._writing() as session:
            row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
            if row is None:
                raise ApiKeyNotFoundError("no API key with this prefix", value=prefix)
            newly = row.revoked_at is None
            row.revoked_at = row.revoked_at or utcnow()
            session.flush()
            if newly:
                self._audit.append(
                    session, action="api_key.revoked", subject_type="api_key", subject_id=prefix
                )
            return _key_info(row)

    def list_api_keys(self) -> list[ApiKeyInfo]:
        with self._sessions() as session:
            return [_key_info(r) for r in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]

    def get_api_key(self, key_id: int) -> ApiKeyInfo | None:
        with self._sessions() as session:
            row = session.get(ApiKeyRow, key_id)
            return None if row is None else _key_info(row)

    # -- policy versions ---------------------------------------------------------------------

    def activate_policy(self, *, version: str, fingerprint: str, text: str) -> PolicyVersionInfo:
        """Make this policy text the active one (storing it the first time it is seen).

        Replicas started together on an empty database all store the bundled default at once;
        PostgreSQL lets only one insert of a fingerprint through, so the others try once more
        and then find the stored row instead of dying at start-up on a duplicate key.
        """
        try:
            return self._activate_policy(version=version, fingerprint=fingerprint, text=text)
        except IntegrityError:
            return self._activate_policy(version=version, fingerprint=fingerprint, text=text)

    def _activate_policy(self, *, version: str, fingerprint: str, text: str) -> PolicyVersionInfo:
        with self._writing() as session:
            was = session.scalar(
                select(PolicyVersionRow.fingerprint).where(PolicyVersionRow.active.is_(True))
            )
            session.execute(update(PolicyVersionRow).values(active=False))
            row = session.scalar(
                select(PolicyVersionRow).where(PolicyVersionRow.fingerprint == fingerprint)
            )
            if row is None:
                row = PolicyVersionRow(
                    version=version, fingerprint=fingerprint, text=text, created_at=utcnow()
                )
                session.add(row)
            row.active = True
            session.flush()
            if was != fingerprint:  # re-activating the active policy at start-up is no change
                self._audit.append(
                    session,
                    action="policy.activated",
                    subject_type="policy",
                    subject_id=fingerprint[:200],
                    details={"version": version[:200], "previous": was},
                )
            return _policy_info(row)

    def active_policy(self) -> PolicyVersionInfo | None:
        with self._sessions() as session:
            row = session.scalar(select(PolicyVersionRow).where(PolicyVersionRow.active.is_(True)))
            return None if row is None else _policy_info(row)

    def list_policies(self) -> list[PolicyVersionInfo]:
        with self._sessions() as session:
            rows = session.scalars(select(PolicyVersionRow).order_by(PolicyVersionRow.id))
            return [_policy_info(r) for r in rows]


def _key_info(r: ApiKeyRow) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=r.id,
        name=r.name,
        prefix=r.prefix,
        secret_hash=r.secret_hash,
        scopes=tuple(r.scopes or ()),
        rate_limit_per_minute=r.rate_limit_per_minute,
        created_at=r.created_at,
        last_used_at=r.last_used_at,
        revoked_at=r.revoked_at,
    )


def _policy_info(r: PolicyVersionRow) -> PolicyVersionInfo:
    return PolicyVersionInfo(
        id=r.id,
        version=r.version,
        fingerprint=r.fingerprint,
        text=r.text,
        active=r.active,
        created_at=r.created_at,
    )
