"""The maintained tables of what people type for what they mean, in folded form.

``ABBREVIATIONS`` maps one folded token to its expansion and is applied to questions and records
alike. ``MISSPELLINGS`` repairs common phrase-level spelling variants.
"""

from __future__ import annotations

from typing import Final

from troly.knowledge.vocabulary import read_pairs

# Folded (no diacritics, đ -> d) abbreviation -> folded expansion, from
# knowledge/data/abbreviations.tsv.
ABBREVIATIONS: Final[dict[str, str]] = read_pairs("abbreviations.tsv")

# Phrase-level spelling variants that folding alone does not merge.
MISSPELLINGS: dict[str, str] = {
    "bo xung": "bo sung",
    "xat nhap": "sap nhap",
    "sat nhap": "sap nhap",
}

# "ky"/"ki", "ly"/"li", "my"/"mi" are one syllable spelt two ways; keep the y form.
I_Y_VARIANTS: dict[str, str] = {
    "ki": "ky",
    "li": "ly",
    "mi": "my",
    "ti": "ty",
    "si": "sy",
    "hi": "hy",
}
