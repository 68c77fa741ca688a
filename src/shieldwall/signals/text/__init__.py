"""Nudify-ecosystem text indicators: bot handles, domains, URLs, phrases and app ids.

Abusers advertise nudify bots and sites in posts, bios, bot descriptions and links, and
obfuscate them to evade filters. This package normalises such text against the common evasions
and matches it against shared indicator feeds, explaining every hit. Pure core: no I/O.
"""

from shieldwall.signals.text.indicators import (
    Indicator,
    IndicatorKind,
    IndicatorSet,
    InvalidIndicatorError,
    canonical_value,
)
from shieldwall.signals.text.normalize import STEP_PHRASES, Views, build_views
from shieldwall.signals.text.signal import TextIndicatorSignal
from shieldwall.signals.text.urls import URL_SHORTENERS, DomainParser

__all__ = [
    "STEP_PHRASES",
    "URL_SHORTENERS",
    "DomainParser",
    "Indicator",
    "IndicatorKind",
    "IndicatorSet",
    "InvalidIndicatorError",
    "TextIndicatorSignal",
    "Views",
    "build_views",
    "canonical_value",
]
