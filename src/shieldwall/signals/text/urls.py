"""URLs, hosts and Telegram handles found in a normalised text.

Registrable domains come from ``tldextract`` with its bundled Public Suffix List snapshot and
no network access (``suffix_list_urls=()``, ``cache_dir=None``): a detector must give the same
answer offline as online. The reserved test TLDs (RFC 2606/6761: ``.test``, ``.example``,
``.invalid``, ``.localhost``) are added as suffixes so made-up indicators behave like real
domains. URL shorteners are flagged because they hide the destination; the built-in list names
generic link infrastructure only.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import tldextract

from shieldwall.signals.text.normalize import fold_char, leet_fold_label

RESERVED_SUFFIXES = ("test", "example", "invalid", "localhost")

URL_SHORTENERS: frozenset[str] = frozenset(
    {
        "bit.ly", "tinyurl.com", "t.co", "goo.gl", "is.gd", "v.gd", "ow.ly", "buff.ly",
        "cutt.ly", "rebrand.ly", "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "s.id",
        "bl.ink", "lnkd.in", "shorte.st", "clck.ru", "u.to",
    }
)  # fmt: skip
"""Generic URL-shortening services: a link through one hides where it leads."""

MAX_HOST_CHARS = 253
"""The longest name DNS allows (RFC 1035), dots included."""

TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})

_URL = re.compile(
    r"(?:(?:https?|tg)://|www\.)[^\s<>\"'`{}|\\^\[\]]+"
    r"|(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9]"
    r"(?::\d{1,5})?(?:[/?#][^\s<>\"'`{}|\\^\[\]]*)?"
)
_TRAILING = ".,;:!?)'\"»”’"
_HANDLE = re.compile(r"(?<![\w@./])@([a-z][a-z0-9_]{2,31})(?![\w@])")
_TG_RESOLVE = re.compile(r"tg://resolve\?(?:[^\s]*&)?domain=([a-z0-9_]{3,32})")
_TG_PATH = re.compile(r"^/(?:s/)?([a-z][a-z0-9_]{2,31})(?:[/?#]|$)")


class DomainParser:
    """Registrable-domain arithmetic with tldextract, offline."""

    def __init__(self) -> None:
        self._extract = tldextract.TLDExtract(
            suffix_list_urls=(),
            cache_dir=None,
            fallback_to_snapshot=True,
            extra_suffixes=RESERVED_SUFFIXES,
        )
        self.registrable = lru_cache(maxsize=65536)(self._registrable)

    def _registrable(self, host: str) -> str:
        """``a.b.nudify-demo.example`` -> ``nudify-demo.example``; ``""`` without a suffix.

        A name longer than DNS allows (253 characters) is no host: refusing it here keeps a
        post of thousands of dotted labels from costing tldextract time quadratic in them.
        """
        if len(host) > MAX_HOST_CHARS:
            return ""
        result = self._extract(host)
        if not result.suffix or not result.domain:
            return ""
        return f"{result.domain}.{result.suffix}"

    def has_suffix(self, host: str) -> bool:
        return bool(self.registrable(host))

    def candidates(self, host: str) -> list[str]:
        """The host and its parents down to the registrable domain, most specific first."""
        registrable = self.registrable(host)
        if not registrable:
            return []
        labels = host.split(".")
        out = []
        for i in range(len(labels)):
            name = ".".join(labels[i:])
            out.append(name)
            if name == registrable:
                break
        return out


@dataclass(frozen=True, slots=True)
class FoundUrl:
    """A URL (or bare host) in a view: ``start``/``end`` are view positions."""

    start: int
    end: int
    host: str
    rest: str
    """Path, query and fragment, as written (without the host)."""
    punycode: bool = False
    leet_suffix: bool = False
    """Whether the last label was only a public suffix once leetspeak was read ("t35t")."""


@dataclass(frozen=True, slots=True)
class FoundHandle:
    start: int
    end: int
    handle: str
    via: str
    """How it was written: ``mention`` (@name), ``link`` (t.me/name) or ``tg`` (tg://resolve)."""


def decode_host(host: str) -> tuple[str, bool]:
    """Lowercase the host, strip ``www.``, decode and fold punycode labels (look-alike IDNs)."""
    host = host.lower().rstrip(".").removeprefix("www.")
    if "xn--" not in host:
        return host, False
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError, ValueError):
                label = label.encode("ascii").decode("idna")
            label = "".join(fold_char(c)[0] if ord(c) > 127 else c for c in label)
        labels.append(label)
    return ".".join(labels), True


def find_urls(text: str, parser: DomainParser) -> Iterator[FoundUrl]:
    """URLs and bare host names with a public suffix, in order."""
    for m in _URL.finditer(text):
        raw = m.group().rstrip(_TRAILING)
        end = m.start() + len(raw)
        body = raw
        if "://" in body:
            body = body.split("://", 1)[1]
        if raw.startswith("tg://"):
            continue  # handled by find_handles
        cut = min((i for i in (body.find(c) for c in "/?#") if i >= 0), default=len(body))
        hostport, rest = body[:cut], body[cut:]
        host = hostport.rsplit("@", 1)[-1].split(":", 1)[0]
        host, puny = decode_host(host)
        leet = False
        if not parser.has_suffix(host):
            host, leet = _leet_suffix(host)
            if not leet or not parser.has_suffix(host):
                continue
        yield FoundUrl(m.start(), end, host, rest, puny, leet)


def _leet_suffix(host: str) -> tuple[str, bool]:
    """``d33pundr355.t35t`` -> ``d33pundr355.test``: the last label with leetspeak read.

    Only a last label with a letter in it is read ("1.5" stays a number); the other labels
    are left for the matcher's own leet folding.
    """
    name, dot, last = host.rpartition(".")
    if not dot:
        return host, False
    folded = leet_fold_label(last)
    return (f"{name}.{folded}", True) if folded != last else (host, False)


def find_handles(text: str, urls: list[FoundUrl]) -> Iterator[FoundHandle]:
    """@mentions, t.me/telegram.me links and tg://resolve links."""
    for m in _HANDLE.finditer(text):
        yield FoundHandle(m.start(), m.end(), m.group(1), "mention")
    for m in _TG_RESOLVE.finditer(text):
        yield FoundHandle(m.start(), m.end(), m.group(1), "tg")
    for url in urls:
        if url.host in TELEGRAM_HOSTS:
            path = _TG_PATH.match(url.rest)
            if path and path.group(1) not in {"joinchat", "share", "addstickers", "proxy"}:
                yield FoundHandle(url.start, url.end, path.group(1), "link")
