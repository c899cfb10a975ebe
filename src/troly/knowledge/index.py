"""The fuzzy procedure index and its decision: answer, offer choices, or say "I don't know".

Lexical BM25F over syllables and syllable pairs of the folded name, results, field, situations
and agency; rapidfuzz repairs typos against the records' vocabulary and re-ranks the best
candidates; an in-scope model decides "I don't know", an answer model what is answered outright.
"""

from __future__ import annotations

import heapq
import itertools
import math
import operator
import re
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from troly.knowledge.aliases import EVERYDAY, Everyday
from troly.knowledge.aspects import Aspect, detect_aspect
from troly.knowledge.domains import (
    business_forms,
    government_levels,
    lexicon_words,
    names_procedure_words,
    specialised_sectors,
    uncovered_terms,
)
from troly.knowledge.explain import CandidateWhy, Explanation
from troly.knowledge.folding import Folder, basic_fold, marked_syllables, tokens
from troly.knowledge.glossary import ENGLISH, ENGLISH_STOPWORDS, PATTERN_SYNONYMS, SYNONYMS
from troly.knowledge.records import KnowledgeBase, Procedure
from troly.knowledge.steps import Steps
from troly.knowledge.taught import Taught, TaughtPhrase, with_taught

_CODE = re.compile(r"(?<![\d.])([1-3])[._ ]?(\d{6})(?![\d])")

# Function words of questions; they still form pairs ("co quan") but score nothing alone.
STOPWORDS = frozenset(
    [
        "thi",
        "la",
        "va",
        "cua",
        "cho",
        "co",
        "khong",
        "gi",
        "nao",
        "the",
        "nhu",
        "phai",
        "muon",
        "can",
        "o",
        "dau",
        "bao",
        "lau",
        "nhieu",
        "toi",
        "minh",
        "em",
        "anh",
        "ban",
        "a",
        "oi",
        "nhe",
        "duoc",
        "roi",
        "se",
        "bi",
        "voi",
        "nay",
        "do",
        "khi",
        "neu",
        "hay",
        "hoac",
        "cac",
        "nhung",
        "mot",
        "moi",
        "gio",
        "cung",
        "van",
        "ma",
        "vi",
        "sao",
        "ai",
        "ah",
        "vay",
        "day",
        "kia",
        "xin",
        "hoi",
        "giup",
        "oi",
        "vui",
        "long",
        "cam",
        "on",
        "lam",
        "ra",
        "ve",
        "dang",
        "hien",
        "nay",
        "truong",
        "hop",
    ]
)

# Words of procedure names that say nothing about which procedure it is.
NAME_BOILERPLATE = STOPWORDS | frozenset(
    [
        "thu",
        "tuc",
        "doi",
        "voi",
        "theo",
        "trong",
        "tren",
        "cac",
        "va",
        "cua",
        "hoac",
        "truong",
        "hop",
        "quy",
        "dinh",
        "tai",
        "khoan",
        "diem",
        "sau",
        "day",
        "goi",
        "tat",
        "la",
        "duoc",
    ]
)

# What a procedure does to its object. A question that names no such action means the base
# procedure (register, issue); one that names an action wants a record with that action.
ACTIONS = frozenset(
    [
        "cap_lai",
        "cap_doi",
        "thay_doi",
        "dieu_chinh",
        "gia_han",
        "thu_hoi",
        "cham_dut",
        "tam_ngung",
        "giai_the",
        "hieu_dinh",
        "bo_sung",
        "chuyen_doi",
        "huy",
        "dung_thuc",
        "xoa",
        "cai_chinh",
        "dinh_chinh",
        "sua_doi",
        "ky_lai",
        "hop_nhat",
        "sap_nhap",
        "chuyen_nhuong",
        "phuc_hoi",
        "giam_thue",
        "giam_kiem",
        "mien_thue",
        "mien_giam",
        "tam_dung",
        "dong_cua",
        "dong_cang",
        "dong_ben",
    ]
)

# What a procedure does when a question names no action: establish, issue anew, the first time.
# "đăng ký hộ kinh doanh" asks for "Đăng ký thành lập hộ kinh doanh": a name's "thành lập" is
# what the question means, not a word it left out.
DEFAULT_ACTIONS = frozenset(["thanh_lap", "cap_moi", "lan_dau"])

# A record's situations are a field of their own: they find candidates by themselves, and how
# much of a question one of them says is a re-ranking feature.
_FIELD_WEIGHTS = {"name": 1.0, "alias": 0.35, "situation": 0.35, "where": 0.12}
_K1 = 1.2
_B = {"name": 0.55, "alias": 0.4, "situation": 0.4, "where": 0.3}
_SYNONYM_WEIGHT = 1.0
_RUN_CAP = 6


EVIDENCE_SIZE = 10
_TOPIC = 8  # the evidence: the question names an uncovered topic the best match does not explain

# Logistic model of "the question is about a known procedure" over ``scope_evidence``:
# (coefficients, intercept), fitted by bench/tune.py --keep-weights on training sets 1, 2 and 4
# and blind set 15A, after every business record got situations and English names (its
# cross-validated numbers, and blind set 15C's, are the honest ones; README "The matcher").
SCOPE_MODEL: tuple[tuple[float, ...], float] = (
    (4.8914, 4.6508, 4.5652, -0.0644, 4.1487, 2.5960, -1.3138, -1.1444, -5.7890, 2.0263),
    -9.5857,
)


# Logistic model of "the best match is the right procedure" over ``answer_evidence`` (the best
# score, its lead, the best's features, the in-scope evidence): a question is answered outright
# only when it is sure enough (``Thresholds.confidence``). Fitted by bench/tune.py on training
# sets 1, 2 and 4, held-out, dev and blind sets 15A, 15C and 15D. Cross-validated with a lead
# of 2 %, confidence 0.75 is the lowest whose confidently wrong stays under issue 15's 0.03:
# outright and right 0.737 of in-scope questions, confidently wrong 0.026 of all.
ANSWER_MODEL: tuple[tuple[float, ...], float] = (
    (
        4.2039, 4.0468, -2.0772, 0.9792, 5.2421, 0.8952, 3.0404, 2.2208, -0.9491, -1.7296,
        -0.3957, 0.0000, 7.2438, 0.3882, -0.0193, -0.2139, 18.7822, -2.2296, -0.6169, -2.9798,
        1.1604, -1.9814, 1.2256, -4.4381, 1.1968, 0.5944, 0.0348, 0.0312,
    ),
    -15.0857,
)  # fmt: skip


class Features(NamedTuple):
    """What the re-ranking knows of one candidate, each in [0, 1].

    lexical: BM25F score over the question's best possible score; coverage: share of the
    question's words (by IDF) the record has; pairs: share of its word pairs in the name;
    name: share of the best name part the question mentions (when it names no action, the
    name's "thành lập" / "cấp mới" / "lần đầu" count as meant); shape: rapidfuzz token-set
    ratio; action: whether the record does what the question asks (issue, re-issue, change,
    dissolve...); run: longest run of words shared in order; general: 1 unless the record
    names a specialised sector (securities, banks, aviation...) the question does not; form:
    0 when the record is for another legal form of business than the one the question names
    (household business, cooperative, cooperative group, enterprise), else 1; level: the same
    for the level of government (central, province, commune), as the record's name states it
    or, when the name does not, as the record's levels list it; situation: the share of the
    question's words (by IDF) that the best of the record's situations says, so a question
    that describes its situation without naming the procedure still counts for the record.
    """

    lexical: float
    coverage: float
    pairs: float
    name: float
    shape: float
    action: float
    run: float
    general: float
    form: float
    level: float
    situation: float
    english: float


@dataclass(frozen=True, slots=True)
class Weights:
    """How the re-ranking features add up (they sum to 1).

    Fitted by bench/tune.py (listwise learning to rank over the development, held-out, training
    and blind 15A/15C/15D sets; its cross-validated accuracy, and the sets it never saw, are the
    honest estimates).
    """

    lexical: float = 0.145
    coverage: float = 0.188
    pairs: float = 0.129
    name: float = 0.144
    shape: float = 0.076
    action: float = 0.069
    run: float = 0.047
    general: float = 0.035
    form: float = 0.032
    level: float = 0.051
    situation: float = 0.084
    english: float = 0.2

    def combine(self, f: Features, *, english: bool = False) -> float:
        """The candidate's score: the weighted sum of its features.

        For an English question the English feature is one more term, so the sum is scaled
        back by it: a score means the same in both languages to the decision's thresholds.
        """
        total = (
            self.lexical * f.lexical
            + self.coverage * f.coverage
            + self.pairs * f.pairs
            + self.name * f.name
            + self.shape * f.shape
            + self.action * f.action
            + self.run * f.run
            + self.general * f.general
            + self.form * f.form
            + self.level * f.level
            + self.situation * f.situation
            + self.english * f.english
        )
        return total / (1 + self.english) if english else total


_RERANK_DEPTH = 30
_ACTION_DEPTH = 10
# The action agreement of a record that does what the question asks (perhaps among more).
_DOES_ASKED = 0.75
_SITUATION_DEPTH = 10
# A question of fewer words than this names a procedure rather than describing a situation:
# its situation evidence counts in proportion ("giải thể công ty" is not a fund manager's story).
_SITUATION_WORDS = 5


class Decision(StrEnum):
    """What to do with a question."""

    ANSWER = "answer"
    CHOOSE = "choose"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The decision's settings.

    scope: the in-scope probability below which the answer is "I don't know"; answer: the best
    score needed to answer outright; margin: how far ahead of the second it must be (as a
    share of the best: close variants within it are offered as choices, labelled by the
    detail they differ in, never answered at random; the answer model weighs the lead too);
    confidence: the answer model's probability that the best is right, needed to answer
    outright; max_choices: how many candidates "Ý bạn là…" offers.
    """

    scope: float = 0.60
    answer: float = 0.55
    margin: float = 0.02
    confidence: float = 0.75
    max_choices: int = 4


@dataclass(frozen=True, slots=True)
class Match:
    """A candidate procedure with its score in [0, 1]."""

    procedure: Procedure
    score: float

    @property
    def code(self) -> str:
        """The procedure's national code."""
        return self.procedure.code


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The outcome of a question: the decision, the ranked matches and what was understood."""

    question: str
    folded: str
    aspect: Aspect
    decision: Decision
    matches: tuple[Match, ...]
    choices: tuple[Match, ...] = ()
    content: tuple[str, ...] = ()
    taught: bool = False
    """Whether staff taught this question (its answer, or its standard reply)."""
    reply_kind: str | None = None
    """A question taught as not about a procedure: the kind of standard reply it gets."""

    @property
    def aspect_only(self) -> bool:
        """Whether the question names an aspect ("phí bao nhiêu") and no procedure at all."""
        return self.aspect is not Aspect.GENERAL and not self.content

    @property
    def best(self) -> Match | None:
        """The best match, if any."""
        return self.matches[0] if self.matches else None

    @property
    def best_score(self) -> float:
        """The best match's score, or 0."""
        return self.matches[0].score if self.matches else 0.0


class _Named(NamedTuple):
    """A name part or everyday name of a record, as the name coverage weighs it."""

    weighted: tuple[tuple[str, float], ...]
    total: float
    defaults: frozenset[str]


@dataclass(slots=True)
class _Doc:
    procedure: Procedure
    terms: dict[str, Counter[str]]
    lengths: dict[str, int]
    all_words: frozenset[str]
    name_pairs: frozenset[str]
    name_folded: str
    part_contents: tuple[tuple[str, ...], ...]
    part_actions: tuple[frozenset[str], ...]
    part_defaults: tuple[frozenset[str], ...]
    alias_contents: tuple[tuple[str, ...], ...]
    name_positions: dict[str, tuple[int, ...]]
    prior: float
    text: str
    sectors: frozenset[str]
    forms: frozenset[str]
    levels: frozenset[str]
    situations: tuple[frozenset[str], ...]
    # Each situation's words weighed by IDF (set once the IDF is known).
    situation_lengths: tuple[float, ...] = ()
    # The record's English names as English word stems, each with its IDF weight.
    english: tuple[frozenset[str], ...] = ()
    english_lengths: tuple[float, ...] = ()
    # The name parts, then the everyday names, each as its words with their IDF, the total (1
    # when none) and the words a question naming no action means too (set once the IDF is
    # known; ``_coverage``).
    names: tuple[_Named, ...] = ()


@dataclass(frozen=True, slots=True)
class _Said:
    """What a question says, worked out once for all its candidates (``_coverage``)."""

    weighted: tuple[tuple[str, float], ...]
    """Its content words but the stopwords, in order, with their IDF."""
    total: float
    pairs: tuple[tuple[str, float], ...]
    """Its word pairs that some record has, with their IDF."""
    pair_total: float


@dataclass(slots=True)
class _Query:
    folded: str
    aspect: Aspect
    content: list[str]
    weights: dict[str, float] = field(default_factory=dict)
    # Everyday phrases of the question that a synonym rewrote: (their words, the records'
    # words). A record with the records' words explains the phrase as well as its own words.
    rewrites: list[tuple[frozenset[str], frozenset[str]]] = field(default_factory=list)
    # The same, as said and as rewritten (for the explanation).
    synonyms: list[tuple[str, str]] = field(default_factory=list)
    # An English question's own words, as stems (empty for a Vietnamese question).
    english: frozenset[str] = frozenset()


_PATTERNS = [(re.compile(pattern), expansion) for pattern, expansion in PATTERN_SYNONYMS]
_SYNONYM_LIST = list(SYNONYMS.items())
_SYNONYMS_BY_FIRST: dict[str, list[int]] = defaultdict(list)
for _i, (_phrase, _) in enumerate(_SYNONYM_LIST):
    _SYNONYMS_BY_FIRST[_phrase.split()[0]].append(_i)
_PART_SPLIT = re.compile(r";|\.\s|\s-\s|\n")


def name_parts(name: str) -> list[str]:
    """Splits a name that lists several procedures ("A; B; C") into its parts."""
    parts = [p.strip() for p in _PART_SPLIT.split(name) if len(p.split()) >= 2]
    return parts or [name]


def _weakly(method: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """A bound method called through a weak reference to its object (no reference cycle)."""
    ref = weakref.WeakMethod(method)

    def call(token: str) -> str | None:
        found = ref()
        return found(token) if found is not None else None

    return call


def word_positions(words: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """Where each word occurs in a sequence of words."""
    positions: dict[str, list[int]] = defaultdict(list)
    for j, w in enumerate(words):
        positions[w].append(j)
    return {w: tuple(js) for w, js in positions.items()}


def _longest_run(query: Sequence[str], name: dict[str, tuple[int, ...]]) -> int:
    """The longest run of words the question shares in order with a name (by word positions)."""
    best = 0
    previous: dict[int, int] = {}
    for q in query:
        at = name.get(q)
        if at is None:
            previous = {}
            continue
        if len(at) == 1:
            j = at[0]
            run = previous.get(j - 1, 0) + 1
            previous = {j: run}
        else:
            previous = {j: previous.get(j - 1, 0) + 1 for j in at}
            run = max(previous.values())
        if run > best:
            best = run
    return best


def _coverage(
    said: _Said,
    rewrites: Sequence[tuple[frozenset[str], frozenset[str]]],
    asked: frozenset[str],
    doc: _Doc,
    *,
    defaults_meant: bool,
) -> tuple[float, float, float]:
    """How much of the question the record explains, of its word pairs, and of the name.

    ``said``: the question's words and pairs with their IDF; ``rewrites``: its everyday phrases
    and what they mean (a record with the meaning explains the phrase); ``asked``: its terms;
    ``defaults_meant``: it names no action, so a name's "thành lập" / "cấp mới" / "lần đầu"
    count as asked. Sums are added in the question's (the name's) order, as ``sum`` would.
    """
    if not said.total:
        return 0.0, 0.0, 0.0
    explained = doc.all_words
    grown = [words for words, meant in rewrites if meant <= explained]
    if grown:
        explained = explained.union(*grown)
    covered = 0.0
    for w, x in said.weighted:
        if w in explained:
            covered += x
    pair_coverage = 0.0
    if said.pairs:
        name_pairs = doc.name_pairs
        for p, x in said.pairs:
            if p in name_pairs:
                pair_coverage += x
        pair_coverage /= said.pair_total
    # The best-said name part, or everyday name said in full: it names the record too.
    name_coverage = 0.0
    for named in doc.names:
        defaults = named.defaults if defaults_meant else _NO_ACTION
        found = 0.0
        for w, x in named.weighted:
            if w in asked or w in defaults:
                found += x
        share = found / named.total
        if share > name_coverage:
            name_coverage = share
    return covered / said.total, pair_coverage, name_coverage


def _situation(words: Sequence[tuple[str, float]], total: float, doc: _Doc) -> float:
    """How well the best of the record's situations and the question say the same thing.

    ``words``: the question's words with their IDF, ``total`` their sum. The F1 of the words
    they share (by IDF): a short question ("đăng ký hộ kinh doanh") that a long situation
    happens to contain is not describing that situation, and a question of few words counts
    less still (the caller's ``_SITUATION_WORDS`` share).
    """
    best = 0.0
    for line, length in zip(doc.situations, doc.situation_lengths, strict=True):
        shared = 0.0
        for w, v in words:
            if w in line:
                shared += v
        if shared:
            best = max(best, 2 * shared / (total + length))
    return best


_NO_ACTION: frozenset[str] = frozenset()


def _actions(words: Sequence[str]) -> frozenset[str]:
    return frozenset(t for t in (*words, *_pairs(words)) if t in ACTIONS)


def _agreement(asked: frozenset[str], done: frozenset[str]) -> float:
    if asked == done:
        return 1.0
    if asked and asked <= done:
        return 0.75
    return 0.5 if asked & done else 0.0


def _form_agreement(asked: frozenset[str], named: frozenset[str]) -> float:
    # Only a contradiction counts: a record that names no form (level) is for any. Forms come
    # in families ("members:one" and "members:many"); each family the question and the record
    # both name must agree, so "TNHH một thành viên" contradicts "TNHH hai thành viên".
    for family in {_family(a) for a in asked}:
        said = {a for a in asked if _family(a) == family}
        meant = {n for n in named if _family(n) == family}
        if meant and not said & meant:
            return 0.0
    return 1.0


def _family(form: str) -> str:
    return form.partition(":")[0] if ":" in form else ""


_LEVEL_CODES = {"bo": "central", "tinh": "province", "xa": "commune"}


def _record_levels(codes: Iterable[str]) -> frozenset[str]:
    """The levels of government a record is carried out at, when its name does not say."""
    return frozenset(_LEVEL_CODES[c] for c in codes if c in _LEVEL_CODES)


_STEM_SUFFIXES = ("ing", "ed", "es", "s")
# British spellings whose first six letters differ from the American ones.
_BRITISH = {"licence": "license", "licences": "licenses", "licenced": "licensed"}


def english_stem(word: str) -> str:
    """A crude English stem: inflection off, then the first six letters.

    "registered" and "registration" are both "regist", so a question's words meet the words
    of the records' English names however each was inflected.
    """
    word = _BRITISH.get(word, word)
    for suffix in _STEM_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    return word[:6]


def english_stems(words: Iterable[str]) -> frozenset[str]:
    """The stems of the English words that are not function words."""
    return frozenset(
        english_stem(w) for w in words if w not in ENGLISH_STOPWORDS and not w.isdigit()
    )


def _pairs(words: Sequence[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in itertools.pairwise(words)]


_NO_EVERYDAY = Everyday()


def _second(ranked: Sequence[Match], ruled_out: frozenset[str]) -> float:
    """The score of the best rival still in the running (all rivals when the best is out)."""
    if ranked[0].code in ruled_out:
        rivals = list(ranked[1:])
    else:
        rivals = [m for m in ranked[1:] if m.code not in ruled_out]
    return rivals[0].score if rivals else 0.0


_STEP = 256
"""How many small items (words, terms) one step of building or freeing the index handles."""


def _vocabulary(procedures: Iterable[Procedure], counts: Counter[str]) -> Iterator[None]:
    """Counts the words matching knows, with how many records use each, into ``counts``.

    The records' names, fields, agencies and results, the words of the glossary on both
    sides and of the uncovered topics: an everyday word the synonyms know ("tiem" for a
    shop) or a topic the records lack ("ca nhac") is a word, not a typo to correct into a
    record's word one edit away ("tem", "tim", "ca nhan"). Numbers are not words.
    """
    for p in procedures:
        words: set[str] = set()
        for text in (p.name, p.field or "", p.agency or "", *p.results):
            words.update(tokens(basic_fold(text)))
        counts.update(words)
        yield
    for phrase in (*SYNONYMS, *SYNONYMS.values(), *ENGLISH.values(), *lexicon_words()):
        counts.update(dict.fromkeys(phrase.split(), 0))
    yield
    for word in [w for w in counts if w.isdigit()]:
        del counts[word]
    yield


def _sorted_in_steps(
    items: Iterable[str], *, key: Callable[[str], tuple[int, str]], out: list[str]
) -> Iterator[None]:
    """Sorts ``items`` by ``key`` into ``out``: runs sorted one at a time, then merged."""
    runs: list[list[tuple[tuple[int, str], str]]] = []
    run: list[tuple[tuple[int, str], str]] = []
    for item in items:
        run.append((key(item), item))
        if len(run) == _STEP * 4:
            run.sort()
            runs.append(run)
            run = []
            yield
    run.sort()
    runs.append(run)
    for i, (_, item) in enumerate(heapq.merge(*runs)):
        out.append(item)
        if i % _STEP == 0:
            yield


def _emptied(mapping: dict[Any, Any]) -> Iterator[None]:
    """Empties a dictionary a few entries at a time."""
    while mapping:
        for _ in range(min(_STEP, len(mapping))):
            mapping.popitem()
        yield


class ProcedureIndex:
    """Finds the procedure a question is about, tolerant of typing without diacritics."""

    def __init__(
        self,
        kb: KnowledgeBase,
        thresholds: Thresholds | None = None,
        *,
        weights: Weights | None = None,
        everyday: Mapping[str, Everyday] | None = None,
        taught: Taught | None = None,
    ) -> None:
        """Builds the index (seconds of CPU)."""
        for _ in self._build(kb, thresholds, weights=weights, everyday=everyday, taught=taught):
            pass

    @classmethod
    def in_steps(
        cls,
        kb: KnowledgeBase,
        thresholds: Thresholds | None = None,
        *,
        everyday: Mapping[str, Everyday] | None = None,
        taught: Taught | None = None,
    ) -> Steps[ProcedureIndex]:
        """Builds the same index a small step at a time; the generator returns it.

        Each step takes well under a millisecond, so a worker can build a new index on its
        event loop between questions (``ProcedureIndex(...)`` runs the same steps at once).
        """
        index = cls.__new__(cls)
        yield from index._build(kb, thresholds, everyday=everyday, taught=taught)
        return index

    def _build(
        self,
        kb: KnowledgeBase,
        thresholds: Thresholds | None = None,
        *,
        weights: Weights | None = None,
        everyday: Mapping[str, Everyday] | None = None,
        taught: Taught | None = None,
    ) -> Iterator[None]:
        """The steps of building the index; each ``yield`` ends a step of well under 1 ms."""
        self.kb = kb
        # What people call each record (knowledge/data/everyday.tsv unless given), and what
        # staff taught on top of it: a taught question is one more everyday name of its record.
        self.taught = taught or Taught()
        base = EVERYDAY if everyday is None else everyday
        self._everyday = with_taught(base, self.taught) if self.taught.phrases else base
        self.thresholds = thresholds or Thresholds()
        self.weights = weights or Weights()
        counts: Counter[str] = Counter()
        yield from _vocabulary(kb.procedures.values(), counts)
        vocabulary = frozenset(counts)
        yield
        # A typo one edit from several words is read as the commonest of them (then the first
        # alphabetically): never as whichever a set's hash order puts first.
        self._vocab_by_len: dict[int, list[str]] = defaultdict(list)
        ordered: list[str] = []
        yield from _sorted_in_steps(vocabulary, key=lambda w: (-counts[w], w), out=ordered)
        self._word_rank: dict[str, int] = {}
        for i, word in enumerate(ordered):
            self._word_rank[word] = i
            self._vocab_by_len[len(word)].append(word)
            if i % _STEP == 0:
                yield
        self._typo_cache: dict[str, str | None] = {}
        english_words = {w for phrase in ENGLISH for w in phrase.split()} | ENGLISH_STOPWORDS
        self._english_words = frozenset(english_words)
        # The glossary's phrases by their first word, longest first: a question is translated
        # by looking up only the phrases that can start at each word.
        self._english_phrases: dict[str, list[tuple[tuple[str, ...], list[str]]]] = defaultdict(
            list
        )
        for phrase, vietnamese in sorted(ENGLISH.items(), key=lambda item: -len(item[0].split())):
            words = tuple(phrase.split())
            self._english_phrases[words[0]].append((words, vietnamese.split()))
        yield
        # The folder reaches the index's typo repair through a weak reference: a bound method
        # would make a reference cycle, and an index replaced by a reload must be freed by
        # reference counting alone (the worker keeps its index out of the cyclic collector).
        self.folder = Folder(
            vocabulary, protected=self._english_words, correct=_weakly(self._correct)
        )
        self._record_folder = Folder(vocabulary)
        self._docs: list[_Doc] = []
        for p in kb.procedures.values():
            self._docs.append(self._doc(p))
            yield
        postings: dict[str, dict[str, list[tuple[int, int]]]] = {
            name: defaultdict(list) for name in _FIELD_WEIGHTS
        }
        totals = dict.fromkeys(_FIELD_WEIGHTS, 0)
        df: Counter[str] = Counter()
        for i, doc in enumerate(self._docs):
            for fname, counter in doc.terms.items():
                totals[fname] += doc.lengths[fname]
                for term, tf in counter.items():
                    postings[fname][term].append((i, tf))
            yield
            df.update({t for counter in doc.terms.values() for t in counter})
            yield
        n = max(len(self._docs), 1)
        avg = {f: max(totals[f] / n, 1.0) for f in _FIELD_WEIGHTS}
        self._idf: dict[str, float] = {}
        for j, (t, d) in enumerate(df.items()):
            self._idf[t] = math.log(1 + (n - d + 0.5) / (d + 0.5))
            if j % _STEP == 0:
                yield
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        for doc in self._docs:
            doc.situation_lengths = tuple(
                sum(self._idf.get(w, self._max_idf) for w in line) for line in doc.situations
            )
            doc.names = self._named(doc)
            yield
        # English names are matched as English too, stem by stem: an English question's words
        # the glossary does not know ("remit", "consolidated") still meet a record's name.
        english_df: Counter[str] = Counter()
        for doc in self._docs:
            english_df.update({w for line in doc.english for w in line})
            yield
        self._english_idf = {
            w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in english_df.items()
        }
        yield
        english_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(self._docs):
            doc.english_lengths = tuple(
                sum(self._english_idf[w] for w in line) for line in doc.english
            )
            for w in {w for line in doc.english for w in line}:
                english_postings[w].append((i, self._english_idf[w]))
            yield
        self._english_terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for w, found in english_postings.items():
            self._english_terms[w] = (
                np.array([i for i, _ in found], dtype=np.int32),
                np.array([v for _, v in found]),
            )
            yield
        del english_postings
        # Each term's BM25F contribution to each record does not depend on the question, so
        # it is computed once: a question's score is then a few vector additions.
        self._contributions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, idf in self._idf.items():
            per_doc: dict[int, float] = defaultdict(float)
            for fname, fweight in _FIELD_WEIGHTS.items():
                for i, tf in postings[fname].get(term, ()):
                    norm = 1 - _B[fname] + _B[fname] * self._docs[i].lengths[fname] / avg[fname]
                    per_doc[i] += fweight * idf * tf * (_K1 + 1) / (tf + _K1 * norm)
            ids = np.fromiter(per_doc.keys(), dtype=np.int32, count=len(per_doc))
            values = np.fromiter(per_doc.values(), dtype=np.float64, count=len(per_doc))
            self._contributions[term] = (ids, values)
            yield
        # A situation's words alone also find candidates: a question describing a situation
        # may share few words with the record's name, and so miss the lexical top.
        self._situation_terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        b = _B["situation"]
        for term, found_tf in postings["situation"].items():
            idf = self._idf[term]
            ids = np.array([i for i, _ in found_tf], dtype=np.int32)
            values = np.array(
                [
                    idf * tf * (_K1 + 1) / (tf + _K1 * (1 - b + b * length / avg["situation"]))
                    for i, tf in found_tf
                    for length in (self._docs[i].lengths["situation"],)
                ]
            )
            self._situation_terms[term] = (ids, values)
            yield
        # Freed a few terms at a time: one large structure freed at once holds the interpreter.
        for field_postings in postings.values():
            yield from _emptied(field_postings)
        del postings, df
        self._names_folded = [d.name_folded for d in self._docs]
        self._prior_by_code = {d.procedure.code: d.prior for d in self._docs}
        yield
        self._action_ids: dict[str, np.ndarray] = {}
        self._taught_by_folded: dict[str, TaughtPhrase] = {}
        yield from self._taught_questions(self.taught, self._taught_by_folded)

    def dismantled(self) -> Steps[None]:
        """Empties the index a small step at a time, so that freeing it never holds a worker.

        Only for an index nobody uses any more (a worker's replaced index); it answers nothing
        afterwards.
        """
        while self._docs:
            del self._docs[-_STEP // 8 :]
            yield
        for mapping in (
            self._contributions,
            self._situation_terms,
            self._english_terms,
            self._english_idf,
            self._idf,
            self._word_rank,
        ):
            yield from _emptied(mapping)
        self._vocab_by_len.clear()
        self._typo_cache.clear()
        self._action_ids.clear()
        yield

    # Building -----------------------------------------------------------------------------

    def _doc(self, p: Procedure) -> _Doc:
        fold = self._record_folder.fold_tokens
        name = fold(p.name)
        name_parts_folded = [fold(part) for part in name_parts(p.name)]
        entry = self._everyday.get(p.code, _NO_EVERYDAY)
        # English names are read as English questions are: through the glossary.
        everyday = [fold(text) for text in entry.names] + [
            fold(" ".join(self._translate_english(tokens(basic_fold(text)))))
            for text in entry.english
        ]
        # A situation is evidence in the secondary field, never a name to be said in full.
        situations = [fold(text) for text in entry.situations]
        alias = [
            w
            for words in (
                *(fold(text) for text in (*p.results, p.field or "")),
                *everyday,
            )
            for w in (*words, "|")
        ]
        situation = [w for words in situations for w in (*words, "|")]
        where = fold(" ".join(x for x in (p.agency, p.authority, " ".join(p.level_names)) if x))
        fields = {"name": name, "alias": alias, "situation": situation, "where": where}
        terms: dict[str, Counter[str]] = {}
        lengths: dict[str, int] = {}
        for fname, words in fields.items():
            clean = [w for w in words if w != "|"]
            counter = Counter(w for w in clean if w not in STOPWORDS)
            counter.update(pair for pair in _pairs(words) if "|" not in pair)
            terms[fname] = counter
            lengths[fname] = len(clean)
        prior = 1.0 + 0.02 * bool({"tinh", "xa"} & set(p.levels)) + 0.01 * p.business_relevant
        return _Doc(
            procedure=p,
            terms=terms,
            lengths=lengths,
            all_words=frozenset(name) | frozenset(alias) | frozenset(situation),
            name_pairs=frozenset(_pairs(name)),
            name_folded=" ".join(name),
            part_contents=tuple(
                tuple(dict.fromkeys(w for w in part if w not in NAME_BOILERPLATE))
                for part in name_parts_folded
            ),
            prior=prior,
            part_actions=tuple(_actions(part) for part in name_parts_folded),
            alias_contents=tuple(
                tuple(dict.fromkeys(w for w in words if w not in NAME_BOILERPLATE))
                for words in everyday
            ),
            part_defaults=tuple(
                frozenset(
                    w for pair in _pairs(part) if pair in DEFAULT_ACTIONS for w in pair.split("_")
                )
                for part in name_parts_folded
            ),
            name_positions=word_positions(name),
            text=" " + " ".join(w for w in (*name, *alias, *situation) if w != "|") + " ",
            sectors=specialised_sectors(" ".join(name)),
            forms=business_forms(" ".join(name)),
            levels=government_levels(" ".join(name)) or _record_levels(p.levels),
            # A record nobody wrote situations for is described by its name: it neither gains
            # nor loses against the records that have them.
            situations=tuple(
                frozenset(w for w in words if w not in STOPWORDS)
                for words in (situations or [name])
            ),
            english=tuple(english_stems(tokens(basic_fold(text))) for text in entry.english),
        )

    def _named(self, doc: _Doc) -> tuple[_Named, ...]:
        """The record's name parts, then its everyday names, weighed for the name coverage."""
        idf = self._idf
        named = [
            *zip(doc.part_contents, doc.part_defaults, strict=True),
            *((words, _NO_ACTION) for words in doc.alias_contents),
        ]
        out = []
        for words, defaults in named:
            weighted = tuple((w, idf.get(w, 0.0)) for w in words)
            out.append(_Named(weighted, sum(x for _, x in weighted) or 1.0, defaults))
        return tuple(out)

    def _taught_questions(self, taught: Taught, found: dict[str, TaughtPhrase]) -> Iterator[None]:
        """Each taught question by the way it is understood, typed with and without marks.

        A question taught for a record that is no longer in the knowledge base is left out.
        """
        for phrase in taught.phrases:
            if phrase.code is not None and self.kb.get(phrase.code) is None:
                continue
            for text in (phrase.question, basic_fold(phrase.question)):
                found[self.understand(text).folded] = phrase
            yield

    def taught_for(self, question: str) -> TaughtPhrase | None:
        """The taught question this question says again, if any."""
        return self._taught_by_folded.get(self.understand(question).folded)

    def _correct(self, token: str) -> str | None:
        """The vocabulary word one edit away from an unknown token (two for long ones)."""
        if token in self._typo_cache:
            return self._typo_cache[token]
        result: str | None = None
        if len(token) >= 4:
            limit = 1 if len(token) < 7 else 2
            candidates = [
                w
                for length in range(len(token) - limit, len(token) + limit + 1)
                for w in self._vocab_by_len.get(length, ())
            ]
            found = process.extract(
                token, candidates, scorer=Levenshtein.distance, score_cutoff=limit, limit=None
            )
            if found:
                result = min(found, key=lambda m: (m[1], self._word_rank[m[0]]))[0]
        if len(self._typo_cache) < 50_000:
            self._typo_cache[token] = result
        return result

    # Questions ----------------------------------------------------------------------------

    def understand(self, question: str, *, repairs: list[tuple[str, str]] | None = None) -> _Query:
        """Folds a question, finds its aspect, and weighs its terms.

        ``repairs``, when given, collects the words read as others (typos, abbreviations).
        """
        original = tokens(basic_fold(question))
        words = self._translate_english(original)
        # Words typed with their marks are real syllables; so are the English words the
        # glossary does not know ("data", "hotel"): neither is "corrected" into a record's word.
        keep = marked_syllables(question)
        if words is not original:
            keep |= frozenset(original) - self._english_words
        folded = " ".join(self.folder.fold_tokens(" ".join(words), keep=keep, repairs=repairs))
        aspect, rest = detect_aspect(folded)
        if words is not original and aspect is Aspect.GENERAL:
            # English aspect words ("how long", "fee") are dropped by the translation.
            aspect, _ = detect_aspect(" ".join(original))
        content = rest.split()
        weights: dict[str, float] = {}
        for term in [w for w in content if w not in STOPWORDS] + _pairs(content):
            weights[term] = 1.0
        padded = f" {rest} "
        rewrites = []
        # Only a phrase whose first word the question has can be in it (in the glossary's order).
        maybe = sorted({i for w in set(content) for i in _SYNONYMS_BY_FIRST.get(w, ())})
        found = [_SYNONYM_LIST[i] for i in maybe if f" {_SYNONYM_LIST[i][0]} " in padded]
        # A sentence shape stands for its first word ("chuyển ... thành" for "chuyển").
        for pattern, expansion in _PATTERNS:
            match = pattern.search(rest)
            if match is not None:
                found.append((match.group(0).split()[0], expansion))
        for phrase, expansion in found:
            extra = expansion.split()
            for term in [w for w in extra if w not in STOPWORDS] + _pairs(extra):
                weights.setdefault(term, _SYNONYM_WEIGHT)
            said = frozenset(w for w in phrase.split() if w not in STOPWORDS)
            meant = frozenset(w for w in extra if w not in STOPWORDS)
            if said and meant:
                rewrites.append((said, meant))
        return _Query(
            folded=folded,
            aspect=aspect,
            content=content,
            weights=weights,
            rewrites=rewrites,
            synonyms=found,
            english=english_stems(original) if words is not original else frozenset(),
        )

    def _translate_english(self, words: list[str]) -> list[str]:
        english = sum(1 for w in words if w in self._english_words)
        if english < max(2, math.ceil(0.4 * len(words))):
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            for phrase, vietnamese in self._english_phrases.get(words[i], ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    out.extend(vietnamese)
                    i += len(phrase)
                    break
            else:
                if words[i] not in ENGLISH_STOPWORDS:
                    out.append(words[i])
                i += 1
        return out

    def _scores(self, query: _Query) -> np.ndarray:
        return self._summed(query, self._contributions)

    def _summed(
        self, query: _Query, postings: dict[str, tuple[np.ndarray, np.ndarray]]
    ) -> np.ndarray:
        """Each record's sum, over the question's weighted terms, of weight × its value.

        One ``bincount`` adds the terms' values record by record in the terms' order: the same
        sums, to the bit, as adding one term's vector after the other.
        """
        found = [
            (qweight, postings[term]) for term, qweight in query.weights.items() if term in postings
        ]
        if not found:
            return np.zeros(len(self._docs), dtype=np.float64)
        ids = np.concatenate([ids for _, (ids, _) in found])
        values = np.concatenate(
            [values if qweight == 1.0 else qweight * values for qweight, (_, values) in found]
        )
        return np.bincount(ids, weights=values, minlength=len(self._docs))

    def prior(self, code: str) -> float:
        """The small preference for province and commune procedures (and business ones)."""
        return self._prior_by_code.get(code, 1.0)

    def scope_evidence(self, question: str) -> list[float]:
        """What says a question is about a procedure we know (for the in-scope model)."""
        query = self.understand(question)
        raw = self._scores(query)
        if not raw.any():
            return [0.0] * EVIDENCE_SIZE
        return self._evidence(query, self._candidates(query, raw))

    def _evidence(
        self,
        query: _Query,
        candidates: list[tuple[_Doc, Features]],
        combined: list[float] | None = None,
    ) -> list[float]:
        """The in-scope evidence (``combined``: ``_combined(candidates)``, if worked out)."""
        if combined is None:
            combined = self._combined(candidates, english=bool(query.english))
        # The first of the best, and the best of the others.
        at = max(range(len(combined)), key=combined.__getitem__)
        best = combined[at]
        doc, f = candidates[at]
        second = max((c for j, c in enumerate(combined) if j != at), default=0.0)
        words = [w for w in query.content if w not in STOPWORDS]
        uncovered = [self._idf.get(w, self._max_idf) for w in words if w not in doc.all_words]
        pairs = [p for p in _pairs(query.content) if not any(w in STOPWORDS for w in p.split("_"))]
        topic_terms = uncovered_terms(query.folded)
        return [
            best,
            best - second,
            f.coverage,
            # Of all the question's word pairs, not only those some record has.
            sum(1 for p in pairs if p in doc.name_pairs) / max(len(pairs), 1),
            f.name,
            max(uncovered, default=0.0) / self._max_idf,
            sum(1 for w in words if w not in self._idf) / max(len(words), 1),
            sum(1 for p in pairs if p not in self._idf) / max(len(pairs), 1),
            float(any(f" {t} " not in doc.text for t in topic_terms)),
            float(names_procedure_words(query.folded)),
        ]

    def in_scope(self, evidence: Sequence[float]) -> float:
        """The probability that the question is about a procedure in the knowledge base."""
        coef, intercept = SCOPE_MODEL
        z = intercept + sum(c * x for c, x in zip(coef, evidence, strict=True))
        return 1 / (1 + math.exp(-z))

    def candidate_features(self, question: str) -> list[tuple[Procedure, Features]]:
        """The re-ranking features of the best lexical candidates (for tuning and debugging)."""
        query = self.understand(question)
        raw = self._scores(query)
        if not raw.any():
            return []
        return [(doc.procedure, f) for doc, f in self._candidates(query, raw)]

    def _candidates(self, query: _Query, raw: np.ndarray) -> list[tuple[_Doc, Features]]:
        depth = min(_RERANK_DEPTH, int(np.count_nonzero(raw)))
        top = np.argpartition(-raw, depth - 1)[:depth]
        self_score = self._self_score(query)
        asked_actions = frozenset(t for t in query.weights if t in ACTIONS)
        top = self._with_action_candidates(top, raw, asked_actions)
        top = self._with_situation_candidates(top, self._situation_scores(query))
        if query.english:
            top = self._with_situation_candidates(top, self._english_scores(query))
        asked_sectors = specialised_sectors(query.folded)
        asked_forms = business_forms(query.folded)
        asked_levels = government_levels(query.folded)
        asked = frozenset(query.weights)
        said = self._said(query)
        defaults_meant = not asked_actions
        docs = [self._docs[i] for i in top.tolist()]
        # What is one vector operation for all the candidates (the same numbers as one by one).
        lexical = np.minimum(raw[top] / self_score, 1.0).tolist()
        shapes = process.cdist(
            [query.folded],
            [doc.name_folded for doc in docs],
            scorer=fuzz.token_set_ratio,
            dtype=np.float64,
        )[0]
        shape = (shapes / 100).tolist()
        # The question's words with their IDF (as the situations weigh them), worked out once.
        words = tuple(dict(said.weighted).items())
        words_total = sum(x for _, x in words)
        words_share = min(1.0, len(words) / _SITUATION_WORDS)
        out = []
        for doc, lex, shaped in zip(docs, lexical, shape, strict=True):
            coverage, pair_coverage, name_coverage = _coverage(
                said, query.rewrites, asked, doc, defaults_meant=defaults_meant
            )
            if asked_actions:
                action = max(_agreement(asked_actions, done) for done in doc.part_actions)
            else:
                # Nothing asked agrees with a name part that does nothing, and only with it.
                action = 1.0 if _NO_ACTION in doc.part_actions else 0.0
            features = Features(
                lex,
                coverage,
                pair_coverage,
                name_coverage,
                shaped,
                action,
                min(_longest_run(query.content, doc.name_positions), _RUN_CAP) / _RUN_CAP,
                float(doc.sectors <= asked_sectors),
                _form_agreement(asked_forms, doc.forms) if asked_forms else 1.0,
                _form_agreement(asked_levels, doc.levels) if asked_levels else 1.0,
                _situation(words, words_total, doc) * words_share if words_total else 0.0,
                self._english(query.english, doc) if query.english else 0.0,
            )
            out.append((doc, features))
        return out

    def _with_action_candidates(
        self, top: np.ndarray, raw: np.ndarray, asked: frozenset[str]
    ) -> np.ndarray:
        """Adds the best records that do the asked action (a long question can bury them)."""
        found = [self._doing(a) for a in asked if a in self._contributions]
        if not found:
            return top
        ids = found[0] if len(found) == 1 else np.unique(np.concatenate(found))
        best = ids[np.argsort(-raw[ids], kind="stable")[:_ACTION_DEPTH]]
        return np.union1d(top, best[raw[best] > 0])

    def _doing(self, action: str) -> np.ndarray:
        """The records that have an action term, sorted (worked out once per term)."""
        ids = self._action_ids.get(action)
        if ids is None:
            ids = self._action_ids[action] = np.unique(self._contributions[action][0])
        return ids

    def _situation_scores(self, query: _Query) -> np.ndarray:
        """Each record's BM25 score over its situations alone."""
        return self._summed(query, self._situation_terms)

    def _english_scores(self, query: _Query) -> np.ndarray:
        """Each record's English names' score for an English question's own words."""
        scores = np.zeros(len(self._docs), dtype=np.float64)
        for stem in query.english:
            found = self._english_terms.get(stem)
            if found is not None:
                scores[found[0]] += found[1]
        return scores

    def _english(self, stems: frozenset[str], doc: _Doc) -> float:
        """The F1 (by IDF) of an English question's words and the record's best English name."""
        if not stems or not doc.english:
            return 0.0
        idf = self._english_idf
        total = sum(idf.get(w, self._max_idf) for w in stems)
        best = 0.0
        for line, length in zip(doc.english, doc.english_lengths, strict=True):
            shared = sum(idf[w] for w in stems & line)
            if shared:
                best = max(best, 2 * shared / (total + length))
        return best

    def _with_situation_candidates(self, top: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Adds the records whose situations say most of the question."""
        depth = min(_SITUATION_DEPTH, int(np.count_nonzero(scores)))
        if not depth:
            return top
        best = np.argpartition(-scores, depth - 1)[:depth]
        return np.union1d(top, best)

    def _self_score(self, query: _Query) -> float:
        return sum(w * self._idf.get(t, self._max_idf) for t, w in query.weights.items()) or 1.0

    def _said(self, query: _Query) -> _Said:
        """The question's words and word pairs with their IDF, for all its candidates."""
        idf = self._idf
        weighted = tuple(
            (w, idf.get(w, self._max_idf)) for w in query.content if w not in STOPWORDS
        )
        pairs = tuple((p, idf[p]) for p in _pairs(query.content) if p in idf)
        return _Said(
            weighted,
            sum(x for _, x in weighted),
            pairs,
            sum(x for _, x in pairs),
        )

    def search(self, question: str, *, k: int = 3) -> SearchResult:
        """Ranks procedures for a question and decides whether to answer, offer or decline."""
        code_hit = self._by_code(question)
        query = self.understand(question)
        raw = self._scores(query)
        if code_hit is not None:
            others = [m for m in self._rank(query, raw) if m.code != code_hit.code]
            matches = (Match(code_hit, 1.0), *others[: k - 1])
            return SearchResult(
                question,
                query.folded,
                query.aspect,
                Decision.ANSWER,
                matches,
                content=tuple(query.content),
            )
        taught = self._taught_by_folded.get(query.folded)
        if taught is not None:
            return self._taught_result(question, query, raw, taught, k)
        if not raw.any():
            return SearchResult(
                question,
                query.folded,
                query.aspect,
                Decision.UNKNOWN,
                self._nearest(query, k),
                content=tuple(query.content),
            )
        candidates = self._candidates(query, raw)
        combined = self._combined(candidates, english=bool(query.english))
        ranked, contradicted = self._by_action(query, candidates, combined)
        evidence = self._evidence(query, candidates, combined)
        ruled_out = self._ruled_out(candidates)
        # A best record that does another action than the one asked is a choice, never the answer.
        unmet = self._action_unmet(query, candidates, ranked[0])
        features = next(f for doc, f in candidates if doc.procedure.code == ranked[0].code)
        return self._decide(
            question,
            query,
            ranked,
            k,
            evidence,
            ruled_out,
            contradicted,
            action_unmet=unmet,
            features=features,
        )

    def answer_evidence(self, question: str) -> list[float] | None:
        """What says the best match is the right one (for fitting the answer model), if any."""
        query = self.understand(question)
        raw = self._scores(query)
        if not raw.any():
            return None
        candidates = self._candidates(query, raw)
        ranked, _ = self._by_action(query, candidates)
        features = next(f for doc, f in candidates if doc.procedure.code == ranked[0].code)
        evidence = self._evidence(query, candidates)
        second = _second(ranked, self._ruled_out(candidates))
        return self._answer_evidence(query, ranked[0].score, second, features, evidence)

    def _answer_evidence(
        self,
        query: _Query,
        best: float,
        second: float,
        features: Features,
        evidence: Sequence[float],
    ) -> list[float]:
        return [
            best,
            best - second,
            (best - second) / best if best else 0.0,
            *features,
            *evidence,
            self.in_scope(evidence),
            float(bool(query.english)),
            float(len(query.content)),
        ]

    def confidence(self, answer_evidence: Sequence[float]) -> float:
        """The probability that the best match is the right procedure (``ANSWER_MODEL``)."""
        coef, intercept = ANSWER_MODEL
        z = intercept + sum(c * x for c, x in zip(coef, answer_evidence, strict=True))
        return 1 / (1 + math.exp(-max(min(z, 50.0), -50.0)))

    @staticmethod
    def _action_unmet(query: _Query, candidates: list[tuple[_Doc, Features]], best: Match) -> bool:
        """Whether the best does none of the actions the question says, while another does.

        Only actions said in so many words count ("giai the", "cap lai"), not those a synonym
        read into the question: "bị mất" suggests a re-issue, it does not ask for one.
        """
        if not _actions(query.content):
            return False
        does = {doc.procedure.code: f.action for doc, f in candidates}
        return does.get(best.code) == 0.0 and max(does.values()) >= _DOES_ASKED

    def _by_action(
        self,
        query: _Query,
        candidates: list[tuple[_Doc, Features]],
        combined: list[float] | None = None,
    ) -> tuple[list[Match], frozenset[str]]:
        """The ranking, with the records that do another action than the one asked last.

        "giai the cong ty tnhh" names dissolution: "Đăng ký thành lập công ty TNHH" and
        "Chuyển đổi công ty TNHH…" share more words but do something else, so they come after
        the rest and are not offered as choices while a record that dissolves is in the
        running; so does a record for another legal form than the one the question names.
        Returns the ranking and the codes of the records that do something else.
        """
        ranked = self._order(candidates, english=bool(query.english), combined=combined)
        # A record for another legal form than the one the question names ("TNHH 2 thành
        # viên" against "TNHH một thành viên") is contradicted too, while one of that form runs.
        contradicted = (
            frozenset(doc.procedure.code for doc, f in candidates if f.form == 0.0)
            if any(g.form == 1.0 for _, g in candidates)
            else frozenset()
        )
        if any(t in ACTIONS for t in query.weights) and any(
            f.action >= _DOES_ASKED for _, f in candidates
        ):
            # A record naming no action at all is not contradicted: many say only their object.
            contradicted |= frozenset(
                doc.procedure.code
                for doc, f in candidates
                if f.action == 0.0 and (any(doc.part_actions) or any(doc.part_defaults))
            )
        if not contradicted:
            return ranked, frozenset()
        rest = [m for m in ranked if m.code not in contradicted]
        ranked = [*rest, *(m for m in ranked if m.code in contradicted)]
        return ranked, contradicted

    def explain(self, question: str, *, k: int = 5) -> Explanation:
        """The decision on a question, its best candidates and why (the steps of ``search``)."""
        result = self.search(question, k=k)
        repairs: list[tuple[str, str]] = []
        query = self.understand(question, repairs=repairs)
        raw = self._scores(query)
        candidates = self._candidates(query, raw) if raw.any() else []
        found = {doc.procedure.code: (doc, f) for doc, f in candidates}
        shown = {m.code: m for m in (*result.matches, *result.choices)}
        why = []
        for match in shown.values():
            doc, features = found.get(match.code, (None, None))
            why.append(self._why(query, match, doc, features))
        return Explanation(
            result=result,
            in_scope=self.in_scope(self._evidence(query, candidates)) if candidates else None,
            repairs=tuple(dict.fromkeys(repairs)),
            rewrites=tuple(dict.fromkeys(query.synonyms)),
            candidates=tuple(why),
            taught=self._taught_by_folded.get(query.folded),
        )

    def _why(
        self, query: _Query, match: Match, doc: _Doc | None, features: Features | None
    ) -> CandidateWhy:
        if doc is None:
            return CandidateWhy(match, features, {}, ())
        fields = {
            fname: tuple(t.replace("_", " ") for t in query.weights if t in counter)
            for fname, counter in doc.terms.items()
        }
        asked = set(query.content)
        taught = set(self.taught.names_by_code().get(match.code, ()))
        entry = self._everyday.get(match.code, _NO_EVERYDAY)
        everyday = tuple(
            (name, name in taught)
            for name in entry.names
            if asked & set(self._record_folder.fold_tokens(name)) - STOPWORDS
        )
        return CandidateWhy(match, features, {f: w for f, w in fields.items() if w}, everyday)

    def _taught_result(
        self, question: str, query: _Query, raw: np.ndarray, taught: TaughtPhrase, k: int
    ) -> SearchResult:
        """A question staff taught: its record outright, or its standard reply."""
        procedure = self.kb.get(taught.code) if taught.code is not None else None
        if procedure is None:
            return SearchResult(
                question,
                query.folded,
                query.aspect,
                Decision.UNKNOWN,
                (),
                content=tuple(query.content),
                taught=True,
                reply_kind=taught.reply_kind,
            )
        others = [m for m in self._rank(query, raw) if m.code != procedure.code]
        return SearchResult(
            question,
            query.folded,
            query.aspect,
            Decision.ANSWER,
            (Match(procedure, 1.0), *others[: k - 1]),
            content=tuple(query.content),
            taught=True,
        )

    def _ruled_out(self, candidates: list[tuple[_Doc, Features]]) -> frozenset[str]:
        """Candidates the question contradicts where the best-agreeing ones do not.

        A record that does another action than the one asked (or any action when none is
        asked: "dừng thực hiện…" for "đăng ký hộ kinh doanh"), or is for another legal form,
        level or specialised sector, does not make the question ambiguous; it stays a choice
        in the ranking, but the margin is measured against the candidates still in the running.
        """

        def agrees(f: Features) -> bool:
            return f.action == 1.0 and f.form == 1.0 and f.level == 1.0 and f.general == 1.0

        if not any(agrees(f) for _, f in candidates):
            return frozenset()
        return frozenset(doc.procedure.code for doc, f in candidates if not agrees(f))

    def _decide(
        self,
        question: str,
        query: _Query,
        ranked: list[Match],
        k: int,
        evidence: list[float],
        ruled_out: frozenset[str] = frozenset(),
        contradicted: frozenset[str] = frozenset(),
        *,
        action_unmet: bool = False,
        features: Features | None = None,
    ) -> SearchResult:
        t = self.thresholds
        best = ranked[0].score
        second = _second(ranked, ruled_out)
        choices: tuple[Match, ...] = ()
        sure = features is not None and (
            self.confidence(self._answer_evidence(query, best, second, features, evidence))
            >= t.confidence
        )
        if self.in_scope(evidence) < t.scope:
            decision = Decision.UNKNOWN
        elif (
            sure
            and best >= t.answer
            and best - second >= t.margin * best
            and not evidence[_TOPIC]
            and not action_unmet
        ):
            # A question naming a topic of an uncovered ministry that the best record does
            # not explain, or an action it does not do, is at most offered as a choice.
            decision = Decision.ANSWER
        else:
            decision = Decision.CHOOSE
            near = [m for m in ranked if m.score >= best - 0.15 and m.code not in contradicted]
            choices = tuple(near[: t.max_choices])
            if len(choices) < 2:
                choices = tuple(ranked[:2])
        return SearchResult(
            question,
            query.folded,
            query.aspect,
            decision,
            tuple(ranked[:k]),
            choices,
            content=tuple(query.content),
        )

    def _order(
        self,
        candidates: list[tuple[_Doc, Features]],
        *,
        english: bool = False,
        combined: list[float] | None = None,
    ) -> list[Match]:
        if combined is None:
            combined = self._combined(candidates, english=english)
        ranked = [
            Match(doc.procedure, round(min(score, 1.0), 4))
            for (doc, _), score in zip(candidates, combined, strict=True)
        ]
        ranked.sort(key=lambda m: -m.score)
        return ranked

    def _combined(
        self, candidates: list[tuple[_Doc, Features]], *, english: bool = False
    ) -> list[float]:
        """Each candidate's score before rounding: ``Weights.combine`` × the record's prior.

        The same sum, term by term in the features' order, as ``combine`` (to the bit).
        """
        weights = self.weights
        coefficients = tuple(getattr(weights, name) for name in Features._fields)
        scale = 1 + weights.english
        out = []
        for doc, f in candidates:
            total = sum(map(operator.mul, coefficients, f))
            if english:
                total = total / scale
            out.append(total * doc.prior)
        return out

    def _rank(self, query: _Query, raw: np.ndarray) -> list[Match]:
        if not raw.any():
            return []
        return self._order(self._candidates(query, raw), english=bool(query.english))

    def _nearest(self, query: _Query, k: int) -> tuple[Match, ...]:
        """The names closest in spelling, for a question with no known word (never answered)."""
        found = process.extract(query.folded, self._names_folded, scorer=fuzz.QRatio, limit=k)
        return tuple(
            Match(self._docs[i].procedure, round(score / 100 * 0.3, 4)) for _, score, i in found
        )

    def _by_code(self, question: str) -> Procedure | None:
        found = _CODE.search(question)
        if found is None:
            return None
        return self.kb.get(f"{found.group(1)}.{found.group(2)}")
