"""Keyword rules for requests that would undress, nudify or sexualise a real person.

The rules run over the normalised views of the prompt (``signals.text.normalize``: homoglyphs,
full-width letters, accents, zero-width characters, leetspeak, spaced-out letters and
punctuation inside words are undone first), in English, Spanish, French, German, Portuguese
and Italian. A request is refused when it pairs an *intent* with a *specific person*:

* intent ``undress``: undress / strip / take off or remove clothes / make naked or nude /
  "without clothes" and the same in the other languages;
* intent ``sexualise``: lingerie, underwear, bikini, sexy, erotic, porn, explicit, NSFW poses;
* intent ``nudify_tool``: the name of the abuse itself ("nudify", "deepnude", "clothes
  remover", "x-ray her clothes"), which counts as an intent on its own;
* a *specific person*: a pronoun or clitic ("her", "desnúdala", "zieh sie aus"), a deictic
  reference to a photo ("this pic", "the girl in the selfie"), a relationship ("my classmate",
  "my ex"), a public figure ("a celebrity", a two-word capitalised name), or an uploaded image
  with a face (or with unknown content).

Deliberate edge cases (see docs/guard.md): "nude" as a colour ("nude lipstick", "nude heels"),
undressing a mannequin, doll or statue, stripping paint or wallpaper, and generic figures with
no real person ("a nude figure study in charcoal") are allowed here: a service's general adult
content policy, not this guard, decides those. Informational requests about the abuse
("explain why nudify apps are harmful") are allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shieldwall.signals.guard.lexicon import LexiconHit, scan_languages
from shieldwall.signals.guard.spelling import correct_spelling
from shieldwall.signals.text.normalize import STEP_PHRASES, build_views, skeleton
from shieldwall.signals.text.rewrite import View


def _rx(*alternatives: str) -> re.Pattern[str]:
    # Views are l/i-folded (``skeleton``), so patterns are folded the same way.
    body = "|".join(alternatives)
    return re.compile(skeleton(rf"(?<![^\W_])(?:{body})(?![^\W_])"))


_GARMENT = (
    r"(?:clothes|clothing|outfit|dress|shirt|t-?shirt|top|blouse|bra|bikini|swimsuit|"
    r"underwear|panties|knickers|pants|trousers|jeans|skirt|uniform|garments?)"
)
_POSS = r"(?:her|his|their|the|this|that|my|your|all|any|every)"
_NOT_COLOUR = (
    r"(?![\s-]*(?:colou?red|colou?rs?|tones?|shades?|palettes?|lip\w*|heels?|pumps?|nails?|"
    r"polish|makeup|make-up|eyeshadow|blush|beige|stockings?|tights|fabric|paint|walls?))"
)

UNDRESS = _rx(
    # English
    r"undress\w*",
    r"un-?clothe\w*",
    r"disrob\w*",
    rf"strip\w*\s+(?:off\s+)?(?:her|him|them|she|he|this|that|the\s+(?:girl|woman|boy|man|"
    rf"person|lady|guy)|{_POSS}\s+{_GARMENT})",
    rf"(?:take|takes|taking|took|remove|removes|removing|erase|erasing|delete|get\s+rid\s+of|"
    rf"lose|off)\s+(?:\w+\s+){{0,2}}{_GARMENT}",
    rf"{_GARMENT}\s+(?:off|removed|gone|vanish\w*|disappear\w*)",
    rf"(?:naked|nude|nudes|topless|bottomless|unclothed){_NOT_COLOUR}",
    rf"(?:without|with\s+no|no|minus)\s+(?:any\s+|the\s+|her\s+|his\s+|a\s+)?{_GARMENT}",
    r"with\s+nothing\s+on",
    r"(?:birthday\s+suit|in\s+the\s+buff|au\s+naturel)",
    r"see\s+(?:through|under)\s+(?:her|his|their)",
    r"what\s+(?:she|he)\s+looks?\s+like\s+under",
    rf"what'?s\s+under\s+(?:her|his|that|this|the)\s+{_GARMENT}",
    # Spanish
    r"desnud\w*",
    r"(?:quita|quitale|quitarle|quitar|saca|sacale|sin)\s+(?:\w+\s+){0,2}(?:ropa|vestido|blusa|"
    r"camisa|bikini|sujetador|sosten)\w*",
    r"en\s+pelotas",
    # French
    r"deshabill\w*",
    r"(?:enleve|enlever|enlevez|retire|retirer|retirez|ote|oter|sans)\s+(?:\w+\s+){0,2}"
    r"(?:vetements?|habits|robe|chemise|haut|soutien-?gorge|maillot|culotte)",
    r"(?:nue|nues|nu|nus|toute\s+nue)(?=\s|$|[.,!?])",
    r"a\s+poil",
    # German
    r"(?:zieh|ziehe|ziehen|zieht)\s+(?:\w+\s+){0,6}aus",
    r"auszieh\w*",
    r"entkleid\w*",
    r"nackt\w*",
    r"(?:ohne|keine)\s+(?:\w+\s+)?(?:kleidung|klamotten|kleid|hemd|bh|unterwasche)",
    # Portuguese
    r"desp(?:e|ir|ida|ido|ela|ilo|ir\w*|a)",
    r"(?:tira|tire|tirar|tirando|sem)\s+(?:\w+\s+){0,2}(?:roupas?|vestido|camisa|blusa|sutia)",
    r"pelad[ao]s?",
    r"(?:nua|nuas)",
    # Italian
    r"spogli\w*",
    r"(?:togli|toglile|togliere|levale|senza)\s+(?:\w+\s+){0,2}(?:vestiti|abiti|vestito|"
    r"maglietta|reggiseno|camicia)",
    r"nud[ao]|nude\s+(?:in|nella|sulla)",
)

SEXUALISE = _rx(
    r"(?:lingerie|underwear|thong|g-?string|bikini|swimsuit|bathing\s+suit)",
    r"(?:sexy|sexier|seductive|sensual|erotic|porn\w*|xxx|nsfw|explicit|lewd|horny|"
    r"sexual\w*|sexualis\w*|sexualiz\w*|boudoir|provocative|slutty|onlyfans)",
    r"(?:having|have)\s+sex",
    r"(?:spread|spreading)\s+(?:her|his)\s+legs",
    r"(?:lencer\w*|ropa\s+interior|sensual|erotic\w*|porno\w*)",
    r"(?:sous-?vetements?|lingerie|erotique|sexy)",
    r"(?:unterwasche|dessous|erotisch\w*|sexy)",
    r"(?:roupa\s+intima|calcinha|erotic\w*)",
    r"(?:biancheria\s+intima|intimo|erotic\w*|sexy)",
)

NUDIFY_TOOL = _rx(
    r"nudif\w*",
    r"nudi-?fy\w*",
    r"deep-?nude\w*",
    r"deepnud\w*",
    r"(?:clothe?s?|clothing|dress)[\s-]?(?:remover|removal)\s*(?:ai|app|bot|tool|filter)?",
    r"undress(?:er|ing)?\s*(?:ai|app|bot|tool|filter)",
    r"x-?ray\s+(?:her|his|their|the|this)",
    r"(?:nude|naked)\s+(?:filter|generator|maker|app)",
)

PRONOUN = _rx(
    r"her|him|hers|she|he|his|them|their",
    r"ella|elle|lui|sie|ihn|ela|ele|dela|dele|lei",
    r"(?:desnudala|desnudalo|desnudalas|deshabille-?la|deshabillez-?la|despe-?la|despi-?la|"
    r"spogliala|spoglialo|quitale|toglile|levale)",
)

PHOTO = _rx(
    r"(?:this|that|these|those|the|my|our|your)\s+(?:\w+\s+){0,2}(?:photo|photograph|pic|pics|"
    r"picture|image|selfie|snapshot|shot|portrait|headshot|profile|screenshot|upload|still)",
    r"(?:esta|cette|dieses?|diesem|questa|nesta|nessa|in\s+questa|auf\s+dem)\s+"
    r"(?:foto|imagen|imagem|image|immagine|bild|photo)",
)

SPECIFIC_PERSON = _rx(
    r"(?:this|that|these|those|the|my|our|your)\s+(?:\w+\s+){0,2}(?:"
    r"girl|woman|women|boy|man|guy|lady|person|people|teen|student|kid|child|"
    r"classmate|coworker|co-worker|colleague|boss|teacher|neighbou?r|friend|girlfriend|"
    r"boyfriend|wife|husband|sister|brother|mom|mother|cousin|ex|crush|roommate|tutor|"
    r"nurse|cashier|barista|streamer|influencer|actress|actor|singer)",
    r"(?:celebrity|celeb|actress|influencer|streamer|youtuber|tiktoker|singer|pop\s+star|"
    r"politician|my\s+ex)",
    # Spanish, French, German, Portuguese, Italian pronouns, clitics and deictics.
    r"(?:esta\s+(?:chica|mujer)|mi\s+(?:\w+\s+)?"
    r"(?:companera|compañera|jefa|vecina|novia|ex|prima|hermana|amiga|profesora))",
    r"(?:cette\s+(?:fille|femme)|ma\s+(?:\w+\s+)?"
    r"(?:collegue|voisine|copine|soeur|prof|camarade|amie)|mon\s+(?:ex|amie|collegue))",
    r"(?:die(?:se[mnrs]?)?\s+(?:frau|person|madchen|frau)|mein\w*\s+(?:\w+\s+)?"
    r"(?:kollegin|nachbarin|freundin|schwester|mitschulerin|lehrerin|ex))",
    r"(?:esta\s+(?:garota|mulher)|minha\s+(?:\w+\s+)?"
    r"(?:colega|vizinha|namorada|irma|prima|professora|amiga|ex))",
    r"(?:questa\s+(?:ragazza|donna)|la\s+mia\s+(?:\w+\s+)?"
    r"(?:collega|vicina|ragazza|sorella|compagna|amica|prof|ex))",
)

NON_PERSON = _rx(
    r"mannequins?|dummy|dummies|dolls?|statues?|sculptures?|figurines?|action\s+figures?|"
    r"paint|wallpaper|varnish|furniture|trees?|wires?|cables?|engine|car|bed|sofa|couch|"
    r"chicken|turkey|banana|salad|dressing|recipe|code|data|formatting|background|watermark|"
    r"logo|text",
)

INFORMATIONAL = _rx(
    r"(?:explain|explaining|what\s+is|what\s+are|why\s+(?:are|is)|how\s+(?:do|can)\s+"
    r"(?:i|we|victims?|platforms?|parents?|schools?)\s+(?:report|detect|protect|stop|block|"
    r"spot|remove|fight|get)|report(?:ing)?|detect(?:ing|ion)?|protect\w*|ban(?:ned|ning)?|"
    r"illegal|law|laws|legislation|harm\w*|victims?|awareness|research|article|essay|policy)",
)

COLOUR_CONTEXT = _rx(
    r"lip\w*|colou?r\w*|shades?|tones?|palettes?|heels?|pumps?|nails?|polish|make-?up|"
    r"eyeshadow|blush|tights|stockings?|beige|foundation|concealer|rossetto|batom|"
    r"pintalabios|lippenstift|rouge",
)

_SPACED_KEYWORDS = ("undress", "nudify", "naked", "nude", "deepnude", "topless")
_LETTER_LIKE = {"a": "[a4@*]", "e": "[e3*]", "i": "[i1!*]", "o": "[o0*]", "u": "[u*]"}
SPACED_KEYWORD = re.compile(
    skeleton(
        "|".join(
            r"(?<![^\W_])"
            + r"[\s.\-_*]?".join(_LETTER_LIKE.get(c, c) for c in word)
            + r"(?![^\W_])"
            for word in _SPACED_KEYWORDS
        )
    )
)
"""The core words spelt with a separator or a ``*`` anywhere ("und r e s s", "n*ked")."""

_EXTRA_LOOKALIKES = str.maketrans(
    {"₦": "N", "₳": "A", "₭": "K", "₵": "C", "₱": "P", "₮": "T", "ℕ": "N", "∪": "u", "⊂": "c"}
)
"""Currency and maths signs used as letters that ``confusables`` does not fold (yet)."""

_CAPITALISED_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\s+[A-Z][a-z]{2,}\b")
_HANDLE = re.compile(r"(?<!\w)@[A-Za-z0-9_]{3,}")


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One phrase that a rule group matched, quoted from the original prompt."""

    group: str
    quote: str
    steps: frozenset[str]

    def describe(self) -> str:
        how = [STEP_PHRASES[s] for s in STEP_PHRASES if s in self.steps]
        after = f" after {', '.join(how)}" if how else ""
        return f"{self.group} phrase {self.quote!r}{after}"


@dataclass(frozen=True, slots=True)
class RuleFindings:
    """What the keyword rules saw in one prompt; the guard turns it into a decision."""

    undress: tuple[RuleHit, ...]
    sexualise: tuple[RuleHit, ...]
    nudify_tool: tuple[RuleHit, ...]
    pronoun: tuple[RuleHit, ...]
    photo: tuple[RuleHit, ...]
    person: tuple[RuleHit, ...]
    non_person: tuple[RuleHit, ...]
    informational: bool
    named_person: str | None
    normalised: str
    outerwear: tuple[RuleHit, ...] = ()
    """Outerwear or accessories named (a jacket, a hat): their removal is an ordinary edit."""
    recolour: tuple[RuleHit, ...] = ()
    """The word for a colour: the request may recolour a garment ("make her swimsuit red")."""

    dress_up: tuple[RuleHit, ...] = ()
    """A verb that puts clothes on someone ("dress him in a suit")."""

    @property
    def recolours_garment(self) -> bool:
        """A colour change with no undress or nudify intent: a swimwear word does not count."""
        return bool(self.recolour) and not (self.undress or self.nudify_tool)

    @property
    def any_intent(self) -> bool:
        return bool(self.undress or self.sexualise or self.nudify_tool)


def _no_suffix(_: str) -> bool:
    # Prompts are not scanned for URLs, so spoken dots ("a dot com") are never joined.
    return False


def _hits(
    group: str, pattern: re.Pattern[str], views: tuple[View, ...], text: str
) -> list[RuleHit]:
    found: dict[tuple[int, int], RuleHit] = {}
    for view in views:
        folded = skeleton(view.text)
        for m in pattern.finditer(folded):
            start, end, steps = view.origin(m.start(), m.end())
            if (start, end) not in found:
                quote = text[start:end]
                found[(start, end)] = RuleHit(group, quote[:60], steps)
    return list(found.values())


def _as_rule_hits(hits: list[LexiconHit], already: list[RuleHit]) -> list[RuleHit]:
    """The other languages' hits, less those a rule above already quoted."""
    quoted = {h.quote.casefold() for h in already}
    return [
        RuleHit(f"{h.group} ({h.language})", h.quote, frozenset())
        for h in hits
        if h.quote.casefold() not in quoted
    ]


def _corrected_hits(group: str, pattern: re.Pattern[str], corrected: str | None) -> list[RuleHit]:
    """A group's hits in the spelling-corrected view (``spelling``), quoted as corrected."""
    if corrected is None:
        return []
    label = f"{group} (after correcting a misspelling)"
    folded = skeleton(corrected)  # one letter for one letter, so spans carry over
    return [
        RuleHit(label, corrected[m.start() : m.end()][:60], frozenset())
        for m in pattern.finditer(folded)
    ]


def scan_prompt(prompt: str) -> RuleFindings:
    """Run every rule group over the prompt's normalised views."""
    views = build_views(prompt.translate(_EXTRA_LOOKALIKES), is_suffix=_no_suffix)
    pair = (views.words, views.joined)
    undress = _hits("undress", UNDRESS, pair, prompt)
    if not undress:
        undress = _hits("undress", SPACED_KEYWORD, (views.base, views.words), prompt)
    if COLOUR_CONTEXT.search(skeleton(views.words.text)):
        # "nude" next to lipstick, heels or a colour is the colour, not nudity.
        undress = [h for h in undress if not skeleton(h.quote.lower()).startswith("nude")]
    sexualise = _hits("sexualise", SEXUALISE, pair, prompt)
    tool = _hits("nudify", NUDIFY_TOOL, pair, prompt)
    fixed = correct_spelling(views.words.text)
    corrected = fixed if fixed != views.words.text else None
    # Only when the prompt as typed has no hit of the group: a correction adds, never doubles.
    undress = undress or _corrected_hits("undress", UNDRESS, corrected)
    sexualise = sexualise or _corrected_hits("sexualise", SEXUALISE, corrected)
    tool = tool or _corrected_hits("nudify", NUDIFY_TOOL, corrected)
    pronoun = _hits("pronoun", PRONOUN, pair, prompt)
    photo = _hits("photo", PHOTO, pair, prompt)
    person = _hits("person", SPECIFIC_PERSON, pair, prompt)
    non_person = _hits("non-person", NON_PERSON, pair, prompt)
    informational = bool(INFORMATIONAL.search(skeleton(views.words.text)))
    other = scan_languages(prompt, (views.words.text,))
    informational = informational or bool(other["informational"])
    name = _CAPITALISED_NAME.search(prompt) or _HANDLE.search(prompt)
    return RuleFindings(
        undress=tuple(undress + _as_rule_hits(other["undress"], undress)),
        sexualise=tuple(sexualise + _as_rule_hits(other["sexualise"], sexualise)),
        nudify_tool=tuple(tool + _as_rule_hits(other["nudify"], tool)),
        pronoun=tuple(pronoun + _as_rule_hits(other["pronoun"], pronoun)),
        photo=tuple(photo + _as_rule_hits(other["photo"], photo)),
        person=tuple(person + _as_rule_hits(other["person"], person)),
        non_person=tuple(non_person + _as_rule_hits(other["non_person"], non_person)),
        informational=informational,
        named_person=name.group() if name else None,
        normalised=views.words.text,
        outerwear=tuple(_as_rule_hits(other["outerwear"], [])),
        recolour=tuple(_as_rule_hits(other["recolour"], [])),
        dress_up=tuple(_as_rule_hits(other["dress_up"], [])),
    )
