"""Escapes a post can hide text behind, undone before any folding.

HTML character references (``&#46;``), ``+`` for a space in a URL's query string, percent
escapes (``%2E``) and markdown backslash escapes (``\\_``): each is text a browser, a
renderer or a server reads as the character it stands for, so a filter must read it so too.
Each is its own stage of the view, so evidence names it and a hit maps back to the escape as
written. The standard library's ``html.unescape`` reads the references; the rest are small
enough to need no library.
"""

from __future__ import annotations

import html
import re

from shieldwall.signals.text.rewrite import Edit, View

_PERCENT_RUN = re.compile(r"(?:%[0-9a-fA-F]{2})+")
_PERCENT_U = re.compile(r"%u([0-9a-fA-F]{4})")
"""The old ``escape()`` form of a UTF-16 unit (``%u0062``), which some servers still read."""
_DOUBLE_PERCENT = re.compile(r"%25(?=[0-9a-fA-F]{2})")
"""A percent sign encoded once more (``%2562`` is ``%62`` is ``b``): a link encoded twice."""
_FORM_VALUE = re.compile(r"(?<=[?&])[^\s=&#?]+=[^\s&#?]*\+[^\s&#?]*")
"""A query-string value with ``+`` in it: form encoding, where ``+`` stands for a space."""
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)")
"""A character reference. Browsers read a numeric one without its ``;`` too (``&#98``
shows ``b``), and so does ``html.unescape``; a named one needs the ``;`` here."""
_CODE_ESCAPE = re.compile(
    r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|(?-i:\\U)([0-9a-f]{8})|\\u([0-9a-f]{4})"
    r"|\\x([0-9a-f]{2})|\\u\{([0-9a-f]{1,6})\}|\\([0-3][0-7]{2})",
    re.IGNORECASE,
)
"""A code escape as JSON, JavaScript, Python or C read it: ``\\uXXXX`` (a surrogate pair as
one), ``\\xXX``, ES6 ``\\u{X..}``, Python's ``\\UXXXXXXXX`` and a three-digit octal ``\\ooo``."""
_MD_ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
"""A markdown backslash escape before ASCII punctuation ("\\_", "\\."): the backslash is dropped."""


def _percent_decoded(run: str) -> str:
    """A run of ``%XX`` escapes as the characters it spells, or ``""`` if it spells none.

    The run is read as UTF-8 (``%D0%B0`` is Cyrillic ``а``); broken UTF-8 or a control
    character (``%0A``) leaves the whole run as written.
    """
    raw = bytes(int(run[i + 1 : i + 3], 16) for i in range(0, len(run), 3))
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return decoded if decoded.isprintable() else ""


def decode_percent(view: View) -> View:
    """Decode percent-escapes anywhere in the text: ``deepundress%2Etest``, ``%64%65...``.

    A host or handle written wholly in escapes is as readable to a browser as one written
    plainly. Only escapes that spell printable characters are decoded (``%0A`` and broken
    UTF-8 stay as written), and the decoded text is folded like any other.
    """
    if "%" not in view.text:
        return view
    if "%25" in view.text:
        view = view.then(
            Edit(m.start(), m.end(), "%", "percent_encoding")
            for m in _DOUBLE_PERCENT.finditer(view.text)
        )
    if "%u" in view.text or "%U" in view.text:
        view = view.then(_percent_u_edits(view.text))
    edits = []
    for m in _PERCENT_RUN.finditer(view.text):
        decoded = _percent_decoded(m.group())
        if decoded:
            edits.append(Edit(m.start(), m.end(), decoded, "percent_encoding"))
    return view.then(edits)


def _percent_u_edits(text: str) -> list[Edit]:
    edits = []
    for m in _PERCENT_U.finditer(text):
        char = chr(int(m.group(1), 16))
        if char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF:
            edits.append(Edit(m.start(), m.end(), char, "percent_encoding"))
    return edits


def decode_escapes(view: View) -> View:
    """Undo the escapes a post can hide text behind, each as its own stage.

    HTML character references (``&#46;``, ``&#x5f;``, ``&amp;``; ``html.unescape`` reads
    each, and one that spells a control character stays as written), ``+`` for a space in a
    URL's query string (form encoding: ``?q=undress+any``), percent-escapes (see
    ``decode_percent``), ``\\uXXXX``/``\\xXX`` code escapes (see ``decode_code_escapes``)
    and markdown backslash escapes before punctuation (``\\_``, ``\\.``).
    """
    text = view.text
    if "&" in text:
        view = view.then(_entity_edits(text))
    if "+" in view.text and "=" in view.text:
        view = view.then(
            Edit(m.start() + i, m.start() + i + 1, " ", "percent_encoding")
            for m in _FORM_VALUE.finditer(view.text)
            for i, char in enumerate(m.group())
            if char == "+"
        )
    view = decode_percent(view)
    if "\\" in view.text:
        view = decode_code_escapes(view)
    if "\\" in view.text:
        view = view.then(
            Edit(m.start(), m.end(), "", "markup") for m in _MD_ESCAPE.finditer(view.text)
        )
    return view


def decode_code_escapes(view: View) -> View:
    """Decode ``\\u0061`` and ``\\x61`` escapes, as a JSON or JavaScript string reads them.

    One pass, never repeated: ``\\u005cu0061`` becomes the six characters ``\\u0061``, not
    ``a`` (nothing reads an escape twice, and a second pass would let nesting cost more).
    An escape that spells a control character stays as written.
    """
    edits = []
    for m in _CODE_ESCAPE.finditer(view.text):
        high, low, wide, unit, byte, braced, octal = m.groups()
        if high is not None:
            code = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        elif octal is not None:
            code = int(octal, 8)
        else:
            code = int(unit or byte or braced or wide, 16)
        if code > 0x10FFFF:
            continue
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or not (char.isprintable() or char == " "):
            continue
        edits.append(Edit(m.start(), m.end(), char, "code_escapes"))
    return view.then(edits)


def _entity_edits(text: str) -> list[Edit]:
    edits = []
    for m in _ENTITY.finditer(text):
        decoded = html.unescape(m.group())
        if decoded != m.group() and decoded.isspace():
            edits.append(Edit(m.start(), m.end(), " ", "html_entities"))
        elif decoded != m.group() and decoded.isprintable():
            edits.append(Edit(m.start(), m.end(), decoded, "html_entities"))
    return edits
