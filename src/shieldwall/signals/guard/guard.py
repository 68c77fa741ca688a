"""``GenerationGuard``: should a generative service refuse this request?

A service that edits or generates images calls the guard before it runs the model. The guard
refuses requests to undress, nudify or sexualise a real person, including requests that upload
a real person's photo with such a prompt. It combines two judges:

* keyword rules (``rules``, with ``spelling`` undoing one slip in its English key words, and
  ``lexicon`` for 14 more languages, scripts and transliterations written by hand in
  ``languages`` and 21 more languages in 24 rows of words built by ``word_table``) over
  normalised views of the prompt, which need an *intent* (undress, sexualise, a nudify tool)
  and a *specific person* (a pronoun, a photo, a relationship, a public figure, an uploaded
  image with a face);
* semantic similarity (``embedding``, English MiniLM) to curated phrasings (``exemplars``),
  which catches paraphrases that no rule lists. It counts only when the prompt is closer to an
  abusive phrasing than to every look-alike by a margin, and when the prompt touches nudity or
  clothing at all or comes with a photo of a person;
* a multilingual judge (``multilingual_model``: USE multilingual v3 and a logistic
  regression), which reads meaning in other languages too. It counts at its trained threshold,
  except on questions or reports about the abuse with no photo of a person, and it is not
  asked about ordinary edits that no rule saw an intent in (taking off a hat or glasses,
  removing the background, dressing someone in a suit) nor about a text-only prompt that names
  no person, photo or intent.

Neither model is asked when the only intent is a swimwear or underwear word and the request
changes a garment's colour ("make her swimsuit a different colour"); an undress intent still
counts there.

When a model cannot load, the guard still answers without it and says so in the evidence
("semantic model unavailable", "multilingual model unavailable"). The guard never generates or
edits anything.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np

from shieldwall.signals.guard import embedding, multilingual_model
from shieldwall.signals.guard.exemplars import ABUSIVE, LOOKALIKE
from shieldwall.signals.guard.lexicon import native_view
from shieldwall.signals.guard.rules import RuleFindings, scan_prompt

MAX_PROMPT_CHARS = 4000
"""Longer prompts are cut here before scanning (and the evidence says so)."""

SEMANTIC_MIN_SIMILARITY = 0.68
"""Cosine similarity to the nearest abusive phrasing at or above which meaning can refuse."""

SEMANTIC_MIN_MARGIN = 0.06
"""How much closer to an abusive phrasing than to every look-alike a prompt must be."""

SEMANTIC_NO_KEYWORD_PENALTY = 0.08
"""Extra similarity and margin needed when no keyword touches nudity or clothing at all
(only an uploaded photo of a person): edits of a person's photo are mostly legitimate."""

Action = Literal["allow", "refuse"]


@dataclass(frozen=True, slots=True)
class GuardDecision:
    """The guard's answer: ``refuse`` or ``allow``, why, and a 0-1 score.

    ``reason_codes`` are stable strings a service can branch on: ``undress_real_person``,
    ``sexualise_real_person``, ``nudify_request``, ``real_person_photo``, ``semantic_match``
    (a model counted), always with the code of the model that did: ``english_semantic_match``
    (MiniLM against the curated phrasings) or ``multilingual_judge`` (USE and the regression).
    ``evidence`` is text a person can read. ``score`` is the strength of the strongest reason
    (refusals are always >= 0.5, allowances below).
    """

    action: Action
    reason_codes: tuple[str, ...]
    evidence: tuple[str, ...]
    score: float

    @property
    def refused(self) -> bool:
        return self.action == "refuse"


@dataclass(frozen=True, slots=True)
class SemanticMatch:
    """The nearest abusive and look-alike phrasings and their cosine similarities."""

    abusive: str
    abusive_similarity: float
    lookalike: str
    lookalike_similarity: float

    @property
    def margin(self) -> float:
        return self.abusive_similarity - self.lookalike_similarity


class GenerationGuard:
    """Refuses requests to undress, nudify or sexualise a real person; see the module docstring.

    ``use_semantic=False`` runs the keyword rules alone (no model load);
    ``use_multilingual=False`` leaves out the multilingual judge only. The models are loaded on
    the first request that needs them, or by ``warm_up()``; instances are thread-safe.
    """

    def __init__(
        self,
        *,
        use_semantic: bool = True,
        use_multilingual: bool = True,
        min_similarity: float = SEMANTIC_MIN_SIMILARITY,
        min_margin: float = SEMANTIC_MIN_MARGIN,
    ) -> None:
        self._use_semantic = use_semantic
        self._use_multilingual = use_semantic and use_multilingual
        self._min_similarity = min_similarity
        self._min_margin = min_margin
        self._lock = threading.Lock()
        self._bank: tuple[np.ndarray, np.ndarray] | None = None

    def warm_up(self) -> bool:
        """Load the models now (about two seconds); True if English semantic matching works.

        ``multilingual_unavailable_reason()`` says whether the multilingual judge loaded.
        """
        if self._use_multilingual:
            multilingual_model.shared_judge()
        return self._exemplar_bank() is not None

    def multilingual_unavailable_reason(self) -> str | None:
        """Why the multilingual judge is off, or None when it works (loads it if needed)."""
        if not self._use_multilingual:
            return "multilingual judge disabled"
        if multilingual_model.shared_judge() is None:
            return multilingual_model.load_error() or "model not loaded"
        return None

    def semantic_unavailable_reason(self) -> str | None:
        """Why semantic matching is off, or None when it works (loads the model if needed)."""
        if not self._use_semantic:
            return "semantic matching disabled"
        if self._exemplar_bank() is None:
            return embedding.load_error() or "model not loaded"
        return None

    def _exemplar_bank(self) -> tuple[np.ndarray, np.ndarray] | None:
        if not self._use_semantic:
            return None
        with self._lock:
            if self._bank is None:
                encoder = embedding.shared_encoder()
                if encoder is None:
                    return None
                self._bank = (encoder.encode(ABUSIVE), encoder.encode(LOOKALIKE))
            return self._bank

    def semantic_match(self, text: str) -> SemanticMatch | None:
        """Nearest curated phrasings to ``text``; None when the model is unavailable."""
        bank = self._exemplar_bank()
        encoder = embedding.shared_encoder()
        if bank is None or encoder is None:
            return None
        vector = encoder.encode([text])[0]
        abusive = bank[0] @ vector
        lookalike = bank[1] @ vector
        a, b = int(np.argmax(abusive)), int(np.argmax(lookalike))
        return SemanticMatch(ABUSIVE[a], float(abusive[a]), LOOKALIKE[b], float(lookalike[b]))

    def evaluate(
        self,
        prompt: str,
        *,
        has_input_image: bool = False,
        image_has_face: bool | None = None,
        language: str | None = None,
    ) -> GuardDecision:
        """Decide on one request.

        ``has_input_image``: the request uploads an image to edit. ``image_has_face``: whether
        that image shows a face (None: unknown, treated as possibly a person).
        ``language`` is accepted for callers that know it; the rules always run every
        language they cover, so it only appears in the evidence.
        """
        evidence: list[str] = []
        if len(prompt) > MAX_PROMPT_CHARS:
            evidence.append(f"prompt cut to its first {MAX_PROMPT_CHARS} characters")
            prompt = prompt[:MAX_PROMPT_CHARS]
        if language:
            evidence.append(f"caller says the prompt is in {language!r}")
        found = scan_prompt(prompt)
        photo_of_person = has_input_image and image_has_face is not False
        codes: list[str] = []
        score = 0.0

        rule_codes, rule_evidence, rule_score = _judge_rules(found, photo_of_person)
        codes += rule_codes
        evidence += rule_evidence
        score = max(score, rule_score)

        touches_body = found.any_intent or photo_of_person
        # "Make her swimsuit a different colour": a garment's colour, with no undress intent,
        # is an ordinary edit that both models place near "put her in a swimsuit".
        recolour = found.recolours_garment
        if recolour and self._use_semantic:
            quoted = ", ".join(repr(h.quote) for h in found.recolour)
            evidence.append(f"semantic judges not asked: a garment's colour changes ({quoted})")
        if self._use_semantic and touches_body and not found.informational and not recolour:
            match = self.semantic_match(found.normalised)
            if match is None:
                evidence.append(
                    f"semantic model unavailable ({embedding.load_error() or 'not loaded'}): "
                    "keyword rules only"
                )
            else:
                extra = 0.0 if found.any_intent else SEMANTIC_NO_KEYWORD_PENALTY
                close = match.abusive_similarity >= self._min_similarity + extra
                clear = match.margin >= self._min_margin + extra
                verdict = "counts" if close and clear else "does not count"
                evidence.append(
                    f"closest curated abusive request {match.abusive!r} (similarity "
                    f"{match.abusive_similarity:.2f}), closest look-alike {match.lookalike!r} "
                    f"({match.lookalike_similarity:.2f}): {verdict}"
                )
                if close and clear:
                    codes += ["semantic_match", "english_semantic_match"]
                    score = max(score, 0.5 + (match.abusive_similarity - self._min_similarity))
        elif not self._use_semantic:
            evidence.append("semantic model unavailable (disabled): keyword rules only")

        # Removing a jacket or a hat is an ordinary edit that an embedding places near
        # "remove her clothes"; with no rule intent, naming only such things keeps the judge out.
        # So do dressing someone in clothes ("dress him in a suit"), and, with no photo, a
        # prompt that names no person, photo or intent at all ("what to wear to a wedding").
        ordinary = (*found.outerwear, *found.dress_up)
        ordinary_edit = bool(ordinary) and not found.any_intent
        anchored = bool(
            has_input_image
            or found.any_intent
            or found.person
            or found.photo
            or found.pronoun
            or found.named_person
        )
        if recolour:
            pass
        elif ordinary_edit and self._use_multilingual:
            worn = ", ".join(repr(h.quote) for h in ordinary)
            evidence.append(
                f"multilingual judge not asked: only outerwear, accessories or dressing ({worn})"
            )
        elif not anchored and self._use_multilingual:
            evidence.append("multilingual judge not asked: no person, photo or intent named")
        elif self._use_multilingual and not (found.informational and not photo_of_person):
            judged = self._judge_multilingual(prompt)
            evidence.append(judged[0])
            if judged[1] is not None:
                codes += ["semantic_match", "multilingual_judge"]
                score = max(score, judged[1])

        if codes and photo_of_person and "real_person_photo" not in codes:
            codes.append("real_person_photo")
            evidence.append(
                "the request uploads an image "
                + ("showing a face" if image_has_face else "whose content is unknown")
            )
        score = min(score, 1.0)
        if not codes:
            score = min(score, 0.49)
            evidence.append("no request to undress, nudify or sexualise a real person found")
        action: Action = "refuse" if codes else "allow"
        return GuardDecision(action, tuple(dict.fromkeys(codes)), tuple(evidence), round(score, 3))

    def _judge_multilingual(self, prompt: str) -> tuple[str, float | None]:
        """Evidence from the multilingual judge, and a score when it counts."""
        judge = multilingual_model.shared_judge()
        if judge is None:
            why = multilingual_model.load_error() or "not loaded"
            return f"multilingual model unavailable ({why}): decided without it", None
        probability = judge.probability(native_view(prompt))
        counts = probability >= judge.threshold
        line = (
            f"multilingual judge: {probability:.2f} likely a request to undress or sexualise a "
            f"real person (threshold {judge.threshold:.2f}): "
            + ("counts" if counts else "does not count")
        )
        if not counts:
            return line, None
        return line, 0.5 + 0.5 * (probability - judge.threshold) / (1.0 - judge.threshold)


def _judge_rules(found: RuleFindings, photo_of_person: bool) -> tuple[list[str], list[str], float]:
    """Reason codes, evidence and score from the keyword findings alone."""
    evidence = [hit.describe() for hit in (*found.nudify_tool, *found.undress, *found.sexualise)]
    if found.informational and not photo_of_person:
        if evidence:
            evidence.append("reads as a question or report about the abuse, not a request")
        return [], evidence, 0.2 if evidence else 0.0
    people = [hit.describe() for hit in (*found.person, *found.photo, *found.pronoun)]
    if found.named_person:
        people.append(f"possible name of a real person {found.named_person!r}")
    strong_person = bool(found.person or found.named_person or photo_of_person)
    any_person = strong_person or bool(found.pronoun or found.photo)
    # "undress the mannequin in this product photo": the photo shows an object, not a person.
    only_objects = bool(found.non_person) and not found.person and not photo_of_person
    codes: list[str] = []
    score = 0.3 if found.any_intent else 0.0
    if found.nudify_tool:
        codes.append("nudify_request")
        score = 0.95
    if found.undress and any_person and not only_objects:
        codes.append("undress_real_person")
        score = max(score, 0.9)
    if found.sexualise and found.recolours_garment:
        worn = ", ".join(repr(h.quote) for h in found.sexualise)
        evidence.append(f"{worn} only changes colour: not counted")
    elif found.sexualise and strong_person and not only_objects:
        codes.append("sexualise_real_person")
        score = max(score, 0.8)
    if codes:
        evidence += people
    elif only_objects and found.any_intent:
        targets = ", ".join(repr(h.quote) for h in found.non_person)
        evidence.append(f"the target is an object, not a person ({targets})")
    return codes, evidence, score


_shared_guard: GenerationGuard | None = None
_shared_guard_lock = threading.Lock()


def shared_guard() -> GenerationGuard:
    """The process-wide guard (its exemplar embeddings are computed once), for the shells."""
    global _shared_guard
    with _shared_guard_lock:
        if _shared_guard is None:
            _shared_guard = GenerationGuard()
        return _shared_guard
