"""Position-tracking string rewrites: the offset map behind every normalised view.

Normalisation runs as a chain of stages; each stage replaces a few spans of its input. A stage
keeps only its edits (not a per-character table), so an ordinary ASCII post costs almost
nothing, and a hit found in the final view is mapped back through the stages to the exact span
of the original text, collecting the names of the steps whose edits it touched. That is what
lets evidence quote what the user actually wrote and say which evasions were undone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``source[start:end]`` by ``text``; ``step`` names the evasion it undoes."""

    start: int
    end: int
    text: str
    step: str


@dataclass(slots=True)
class Stage:
    """The edits one stage made, in output coordinates, ready for mapping positions back."""

    out_starts: list[int] = field(default_factory=list)
    out_ends: list[int] = field(default_factory=list)
    in_starts: list[int] = field(default_factory=list)
    in_ends: list[int] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def map_back(self, start: int, end: int, steps: set[str]) -> tuple[int, int]:
        """Map the output span ``[start, end)`` to input coordinates; add touched step names."""
        if not self.out_starts or end <= start:
            return start, end
        first = bisect_right(self.out_starts, start) - 1
        k = max(first, 0)
        while k < len(self.out_starts) and self.out_starts[k] < end:
            o_start, o_end = self.out_starts[k], self.out_ends[k]
            replaced = o_start < o_end and o_end > start
            deleted_inside = o_start == o_end and start < o_start
            if replaced or deleted_inside:
                steps.add(self.steps[k])
            k += 1
        return self._char_span(start)[0], self._char_span(end - 1)[1]

    def _char_span(self, pos: int) -> tuple[int, int]:
        """The input span that output character ``pos`` came from."""
        i = bisect_right(self.out_starts, pos) - 1
        if i < 0:
            return pos, pos + 1
        if self.out_starts[i] <= pos < self.out_ends[i]:
            return self.in_starts[i], self.in_ends[i]
        # Past edit i: shift by the cumulative length change up to and including it.
        shifted = pos - self.out_ends[i] + self.in_ends[i]
        return shifted, shifted + 1


def apply_edits(source: str, edits: Iterable[Edit]) -> tuple[str, Stage]:
    """Apply sorted, non-overlapping edits to ``source``; return the new text and its stage."""
    pieces: list[str] = []
    stage = Stage()
    cursor = 0
    out_len = 0
    for edit in edits:
        if edit.start < cursor:
            continue  # overlapping edit: the earlier one wins
        keep = source[cursor : edit.start]
        pieces.append(keep)
        out_len += len(keep)
        stage.out_starts.append(out_len)
        stage.in_starts.append(edit.start)
        stage.in_ends.append(edit.end)
        stage.steps.append(edit.step)
        pieces.append(edit.text)
        out_len += len(edit.text)
        stage.out_ends.append(out_len)
        cursor = edit.end
    if not stage.out_starts:
        return source, stage
    pieces.append(source[cursor:])
    return "".join(pieces), stage


@dataclass(slots=True)
class View:
    """A normalised text plus the stages that produced it from the original."""

    text: str
    stages: list[Stage] = field(default_factory=list)

    def then(self, edits: Iterable[Edit]) -> View:
        """A new view with ``edits`` (in this view's coordinates) applied."""
        text, stage = apply_edits(self.text, edits)
        if not stage.out_starts:
            return View(text, list(self.stages))
        return View(text, [*self.stages, stage])

    def translate(self, table: dict[int, str]) -> View:
        """A length-preserving substitution that is not worth reporting (case, l/I folding)."""
        return View(self.text.translate(table), list(self.stages))

    def origin(self, start: int, end: int) -> tuple[int, int, frozenset[str]]:
        """The original span of ``[start, end)`` and the steps that changed it."""
        steps: set[str] = set()
        for stage in reversed(self.stages):
            start, end = stage.map_back(start, end, steps)
        return start, end, frozenset(steps)
