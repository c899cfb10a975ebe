"""Vietnamese text folding for matching: one canonical, diacritic-free form of a question.

NFC, lower case, Telex/VNI leftovers repaired where unambiguous, diacritics stripped (đ -> d),
punctuation and spacing normalised, abbreviations expanded. Imports nothing of ours but tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container

from troly.knowledge.abbreviations import ABBREVIATIONS, I_Y_VARIANTS, MISSPELLINGS

_TOKEN = re.compile(r"[a-z0-9]+")
_TELEX_TONE = "sfrxj"
_VNI_DIGITS = re.compile(r"(?<=[a-z])[0-9]+|[0-9]+(?=[a-z])")
_VOWELS = set("aeiouy")


# The combining marks of U+0300-U+036F (all but the grapheme joiner U+034F, which has none of
# a mark's combining class): every Vietnamese tone and vowel mark is among them.
_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")


def strip_diacritics(text: str) -> str:
    """Removes Vietnamese tone and vowel marks and turns đ into d ("Đăng ký" -> "Dang ky")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = _MARKS.sub("", decomposed)
    if stripped.isascii():
        # Only those marks were combining; the character-by-character test below is slow.
        return stripped
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Vietnamese alphabetical order (with f, j, w, z of foreign words in their Latin places); the
# tones come second, in the dictionaries' order: level, huyền, hỏi, ngã, sắc, nặng.
_ALPHABET = {letter: n for n, letter in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A sort key in Vietnamese order: letters first (a < ă < â, d < đ), tones second.

    "Thạch" < "Thăng" < "Thắng", "Thắng Lộc" < "Thắng Lợi". A space sorts before any letter,
    so names compare word by word; other characters after the letters, by code point.
    """
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", text.lower()):
        parts = unicodedata.normalize("NFD", char)
        tone = next((_TONES[m] for m in parts if m in _TONES), 0)
        letter = unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONES))
        if letter.isspace():
            letters.append(-1)
        else:
            letters.append(_ALPHABET.get(letter, len(_ALPHABET) + ord(letter[:1] or " ")))
        tones.append(tone)
    return tuple(letters), tuple(tones)


def tokens(text: str) -> list[str]:
    """Splits already-lowered, diacritic-free text into word tokens."""
    return _TOKEN.findall(text)


_WORD = re.compile(r"\w+")


def marked_syllables(text: str) -> frozenset[str]:
    """The folded forms of the words typed with Vietnamese marks ("tiệm" -> "tiem").

    A word typed with its tone or vowel marks was typed on purpose through an input method: it
    is a real syllable even when no record uses it, so it is not "corrected" into a record's
    word one edit away ("tiệm" is not "tim", "ngập" is not "gap").
    """
    lowered = unicodedata.normalize("NFC", text).lower()
    return frozenset(
        basic_fold(word) for word in _WORD.findall(lowered) if not word.isascii() and word.isalpha()
    )


def basic_fold(text: str) -> str:
    """NFC, lower case, no diacritics, punctuation as spaces, single spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join(tokens(strip_diacritics(text)))


def telex_decode(token: str) -> str:
    """Reads a token typed in Telex/VNI without the IME as the plain letters it meant.

    "thanhf" -> "thanh", "laapj" -> "lap", "dduwowngf" -> "duong", "la65p" -> "lap".
    """
    word = _VNI_DIGITS.sub("", token) if any(c.isdigit() for c in token) else token
    if len(word) > 1 and word[-1] in _TELEX_TONE and any(c in _VOWELS for c in word[:-1]):
        word = word[:-1]
    word = word.replace("dd", "d")
    for doubled in ("aa", "ee", "oo"):
        word = word.replace(doubled, doubled[0])
    word = word.replace("uow", "uo").replace("aw", "a").replace("ow", "o").replace("uw", "u")
    return word.replace("w", "u")


def _looks_like_telex(token: str) -> bool:
    if token.isdigit() or not any(c in _VOWELS for c in token):
        return False
    if any(c.isdigit() for c in token):
        return True
    return any(d in token for d in ("aa", "ee", "oo", "dd", "w")) or token[-1] in _TELEX_TONE


class Folder:
    """Folds text to the canonical matching form, knowing which syllables are real words.

    Args:
        vocabulary: folded syllables known to be words (from the records); a Telex leftover
            is repaired only when the token is not a word and its decoding is one.
        protected: tokens never repaired (English words of the glossary such as "tax").
        correct: optional typo corrector for tokens that are still unknown after repair.
    """

    def __init__(
        self,
        vocabulary: Container[str] = frozenset(),
        *,
        protected: Container[str] = frozenset(),
        correct: Callable[[str], str | None] | None = None,
    ) -> None:
        self._vocabulary = vocabulary
        self._protected = protected
        self._correct = correct

    def fold(self, text: str) -> str:
        """The folded form of ``text`` with abbreviations expanded."""
        return " ".join(self.fold_tokens(text))

    def fold_tokens(
        self,
        text: str,
        *,
        keep: Container[str] = frozenset(),
        repairs: list[tuple[str, str]] | None = None,
    ) -> list[str]:
        """The folded tokens of ``text`` with abbreviations expanded.

        Tokens in ``keep`` are taken as typed: no Telex repair, no typo correction. ``repairs``,
        when given, collects each token read as another (typo, Telex, abbreviation): (typed, read).
        """
        lowered = unicodedata.normalize("NFC", text).lower()
        out: list[str] = []
        for raw in tokens(strip_diacritics(lowered)):
            token = raw if raw in keep else self._repair(raw)
            expansion = ABBREVIATIONS.get(token)
            if repairs is not None and (token != raw or expansion is not None):
                repairs.append((raw, expansion or token))
            if expansion is not None:
                out.extend(expansion.split())
            else:
                out.append(I_Y_VARIANTS.get(token, token))
        return _fix_misspellings(out)

    def _repair(self, token: str) -> str:
        if token in self._vocabulary or token in self._protected or token in ABBREVIATIONS:
            return token
        if _looks_like_telex(token):
            decoded = telex_decode(token)
            if decoded != token and decoded in self._vocabulary:
                return decoded
        if self._correct is not None and not token.isdigit():
            corrected = self._correct(token)
            if corrected is not None:
                return corrected
        return token


def _fix_misspellings(words: list[str]) -> list[str]:
    if len(words) < 2:
        return words
    text = " " + " ".join(words) + " "
    for wrong, right in MISSPELLINGS.items():
        text = text.replace(f" {wrong} ", f" {right} ")
    return text.split()
