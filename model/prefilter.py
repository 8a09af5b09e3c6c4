"""A prefilter: which of several Python regular expressions may match a text, in one pass.

Python's ``re`` tries a pattern at every position, each alternative in turn; a comment read
by two dozen patterns costs a tenth of a millisecond. RE2 (``google-re2``) reads a text once
for a whole set of patterns with an automaton, but it has no lookarounds, no backreferences,
and ASCII-only ``\\d``, ``\\w`` and ``\\s``. So RE2 only decides which patterns to run: each
pattern is added to the set in a wider form that matches wherever the Python pattern does
(lookarounds and ``\\b`` dropped, ``\\d``, ``\\w`` and ``\\s`` widened to their Unicode
classes), and Python's ``re``, which defines every answer, runs only for the patterns the set
reports. A text that none may match is never read by ``re`` at all.

RE2 builds its automaton's states as texts need them and keeps them (8 MB by default, then
it starts over): the first comments a process sees cost some 25 us, later ones about 4 us.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import re2

# A lookaround without groups inside it: (?=...), (?!...), (?<=...), (?<!...).
_LOOKAROUND = re.compile(r"\(\?<?[=!](?:[^()\[\]\\]|\\.|\[(?:[^\]\\]|\\.)*\])*\)")
# What Python's class escapes hold for str patterns, as RE2 classes: outside a class, and
# inside one. \s: str.isspace(), which is Unicode Z plus these controls.
_WIDE = {
    "\\d": ("\\p{Nd}", "\\p{Nd}"),
    "\\w": ("[\\p{L}\\p{N}_]", "\\p{L}\\p{N}_"),
    "\\s": ("[\\s\\p{Z}\\x0b\\x1c-\\x1f\\x85]", "\\s\\p{Z}\\x0b\\x1c-\\x1f\\x85"),
}


def widened(source: str) -> str:
    """Return an RE2 pattern that matches wherever the Python pattern ``source`` does.

    Dropping an assertion can only let a pattern match more; so can a class escape widened
    to Unicode. Inside a negated class the escape stays RE2's narrower one, so that the class
    excludes fewer characters.
    """
    source = _LOOKAROUND.sub("", source)
    out: list[str] = []
    in_class = negated = False
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            escape = source[i : i + 2]
            if escape == "\\b" and not in_class:
                escape = ""
            elif escape in _WIDE and not negated:
                escape = _WIDE[escape][in_class]
            out.append(escape)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class, negated = True, source.startswith("^", i + 1)
        elif ch == "]" and in_class:
            in_class = negated = False
        out.append(ch)
        i += 1
    return "".join(out)


class Prefilter:
    """The patterns among a fixed set that may match a text (a superset of those that do).

    Patterns are named by ``id()``: hashing a compiled pattern hashes its whole program (some
    1.5 us for a long word list), and the set's patterns live as long as the prefilter.
    """

    def __init__(self, patterns: Iterable[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)
        self.ids = frozenset(map(id, self.patterns))
        self._set = re2.Set.SearchSet(re2.Options())
        for pattern in self.patterns:
            if pattern.flags & ~re.UNICODE:
                raise ValueError(f"a prefiltered pattern takes no flags: {pattern.pattern!r}")
            self._set.Add(widened(pattern.pattern))
        self._set.Compile()

    def may_match(self, text: str) -> frozenset[int]:
        """Return the ids of the patterns that may match ``text``: all that do, maybe more."""
        try:
            found = self._set.Match(text)
        except UnicodeEncodeError:  # a lone surrogate: RE2 reads UTF-8 only, so run them all
            return self.ids
        return frozenset(id(self.patterns[i]) for i in found) if found else frozenset()
