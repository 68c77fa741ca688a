"""What the shells (``api/``, ``web/``, ``cli/``) may name of the persistence layer.

Why this module: a shell parses input, calls a use case or a runtime accessor, and renders
what it gets back; it never imports ``shieldwall.store`` (an import-linter contract says
so). What it gets back are the store's records (``CaseInfo``, ``DecisionInfo``...), and a
page that holds a repository from the runtime needs its type for an annotation. They are
named here, once, so that ``store/`` can be reshaped (one module per aggregate, issue 12)
by changing this file and no shell, and so that a shell's imports show it reaching only
the middle ring.

What is here, and nothing here does any work:

- records the use cases and runtime accessors return (``*Info``, ``NewDecision``...);
- repositories the runtime hands out (``*Store``), for annotations: a shell never builds
  one, :class:`shieldwall.runtime.Runtime` does;
- ``SubmissionRepeatedError``, which a page answers in its own words;
- values and pure helpers that come with the records: the clock rows are stamped with
  (``utcnow``), the names records are given (``staff_handle``, ``default_id``,
  ``new_access_code``) and their limits (``DESCRIPTION_MAX``, ``LOCK_MINUTES``...).
"""

from __future__ import annotations

from shieldwall.store.cases import (
    CaseInfo,
    CaseStore,
    ReceiptInfo,
    SubmissionRepeatedError,
    new_access_code,
)
from shieldwall.store.exchanges import ExchangeInfo
from shieldwall.store.indicators import (
    DESCRIPTION_MAX,
    ImportReport,
    IndicatorListInfo,
    StoredIndicator,
    default_id,
)
from shieldwall.store.keys import KeyStore
from shieldwall.store.models import utcnow
from shieldwall.store.portal_attempts import FLOOD_WINDOW, Limits, PortalAttemptStore
from shieldwall.store.records import BankInfo, EntryInfo
from shieldwall.store.reviews import AppealInfo, RevealInfo, ReviewStore
from shieldwall.store.service_records import (
    DEAD,
    ApiKeyInfo,
    DecisionInfo,
    ItemInfo,
    NewAction,
    NewDecision,
    OutboxInfo,
)
from shieldwall.store.users import LOCK_MINUTES, SessionInfo, UserInfo, UserStore, staff_handle
from shieldwall.store.videos import BankedVideo

__all__ = [
    "DEAD",
    "DESCRIPTION_MAX",
    "FLOOD_WINDOW",
    "LOCK_MINUTES",
    "ApiKeyInfo",
    "AppealInfo",
    "BankInfo",
    "BankedVideo",
    "CaseInfo",
    "CaseStore",
    "DecisionInfo",
    "EntryInfo",
    "ExchangeInfo",
    "ImportReport",
    "IndicatorListInfo",
    "ItemInfo",
    "KeyStore",
    "Limits",
    "NewAction",
    "NewDecision",
    "OutboxInfo",
    "PortalAttemptStore",
    "ReceiptInfo",
    "RevealInfo",
    "ReviewStore",
    "SessionInfo",
    "StoredIndicator",
    "SubmissionRepeatedError",
    "UserInfo",
    "UserStore",
    "default_id",
    "new_access_code",
    "staff_handle",
    "utcnow",
]
