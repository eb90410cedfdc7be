"""Flesch reading ease (Flesch 1948), for testing that plain-language text reads easily.

``206.835 − 1.015 · words/sentences − 84.6 · syllables/words``: 60–70 is plain English,
50–60 fairly difficult, below 30 very difficult. Syllables are counted by the usual
vowel-group rule with the common silent endings dropped; numbers count as spoken.
Checked against dictionary syllable counts and a hand-worked score in
``tests/web/test_readability.py``.
"""

from __future__ import annotations

import re

_ONES = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
    *("seventeen", "eighteen", "nineteen"),
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


def spoken(number: int) -> str:
    """A whole number from 0 to 999 as words ("21" → "twenty one")."""
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    hundreds, rest = divmod(number, 100)
    return f"{_ONES[hundreds]} hundred" + ("" if rest == 0 else " and " + spoken(rest))


def syllables(word: str) -> int:
    """Syllables in one word (a digit string counts as the number spoken)."""
    if word.isdigit():
        return sum(syllables(w) for w in spoken(int(word) % 1000).split())
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 0
    if len(w) <= 3:
        return 1
    w = re.sub(r"([^aeiouy])e(ness|ly|ment|ful)", r"\1\2", w)  # "lately", "effectiveness"
    # Silent endings: "-es" (not after a sibilant: "voices"), "-ed" (not after t, d or a
    # consonant and r: "wanted", "hundred"), and a final "-e".
    w = re.sub(r"(?:[^laeiouycgsxz]es|(?<![td])(?<![^aeiouy]r)ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def flesch_reading_ease(text: str) -> float:
    """Flesch reading ease of ``text`` (higher is easier)."""
    words = _WORD.findall(text)
    sentences = max(1, len(_SENTENCE_END.findall(text.strip() + " ")))
    count = sum(syllables(w) for w in words)
    return 206.835 - 1.015 * len(words) / sentences - 84.6 * count / len(words)
