"""One voice: the catalogue keeps issue 14's rules, so a new sentence cannot break them.

Vietnamese: the assistant is "tôi" (never "mình", "chúng tôi", "em"); one spelling (the modern
tone placement: "hủy", "xóa", "Thanh Hóa"); no 🎉 or 🙈; no English words; staff are
"anh/chị", never "bạn"; formal notices (confirmations, apologies, answers) address
"Quý doanh nghiệp". English: the commands are the English aliases.
"""

from __future__ import annotations

import re

import pytest

from troly.bot.texts import catalogue, t

VI = catalogue("vi")
EN = catalogue("en")

# Old tone placement at a word's end ("huỷ", "xoá", "Hoá"); "quý" is right ("qu" is a consonant).
OLD_TONES = re.compile(r"\w*(?<![qQ])[oOuU][áàảãạéèẻẽẹýỳỷỹỵ](?!\w)")
SELF_OTHER_THAN_TOI = re.compile(r"\b(?:mình|chúng tôi|Chúng tôi|Mình)\b")
ENGLISH_WORDS = re.compile(
    r"\b(?:supervisor|officer|topic|booking|petition|admin|deadline|inbox|ticket|feedback|"
    r"okay|ok|bot)\b",
    re.IGNORECASE,
)
# Command lines and their role names are what a person types, not prose.
COMMAND_LINE = re.compile(r"troly \S.*$|/\w+|\{[^}]*\}|https?://\S+|Zalo Bot")
FORMAL = (
    "petition.filed",
    "petition.apology",
    "petition.answer",
    "booking.confirmed",
    "dossier.late",
    "dossier.late_new_date",
)
STAFF_PREFIXES = ("staff.",)


def prose(text: str) -> str:
    return COMMAND_LINE.sub("", text)


def offenders(pattern: re.Pattern[str], texts: dict[str, str]) -> dict[str, list[str]]:
    found = {key: pattern.findall(prose(text)) for key, text in texts.items()}
    return {key: hits for key, hits in found.items() if hits}


def test_vietnamese_uses_one_spelling_for_hủy_xóa_and_their_kind() -> None:
    assert offenders(OLD_TONES, VI) == {}


def test_the_assistant_calls_itself_tôi() -> None:
    assert offenders(SELF_OTHER_THAN_TOI, VI) == {}


def test_official_messages_carry_no_party_emoji() -> None:
    assert {k: v for k, v in {**VI, **EN}.items() if "🎉" in v or "🙈" in v} == {}


def test_vietnamese_text_has_no_english_words() -> None:
    assert offenders(ENGLISH_WORDS, VI) == {}


def test_staff_are_addressed_as_anh_chị() -> None:
    staff = {k: v for k, v in VI.items() if k.startswith(STAFF_PREFIXES)}

    assert offenders(re.compile(r"\b[Bb]ạn\b"), staff) == {}


@pytest.mark.parametrize("key", FORMAL)
def test_formal_notices_address_quý_doanh_nghiệp(key: str) -> None:
    text = VI[key]

    assert ("Quý doanh nghiệp" in text, re.findall(r"\b[Bb]ạn\b", prose(text))) == (True, [])


def test_the_province_is_lower_case_inside_a_sentence() -> None:
    inside = [
        k for k, v in VI.items() if re.search(r"(?<![.!?:\n] )(?<=\S )Tỉnh Thanh Hóa", prose(v))
    ]
    asked = t("petition.ask_commune", "vi", province="tỉnh Thanh Hóa")

    assert (inside, "của tỉnh Thanh Hóa" in asked) == ([], True)


# The Vietnamese commands that have an English alias (``router.COMMANDS``).
VIETNAMESE_COMMANDS = re.compile(
    r"(?<![\w/])/(?:phananh|tracuu|cuatoi|dangky|lichcuatoi|dulieu|huy|canbo|hotro|hoi|hoso|"
    r"trogiup|huongdan|ngonngu)\b"
)


def test_english_text_names_the_english_commands() -> None:
    # Business-facing and staff-facing alike; the commands themselves are what is checked,
    # so the text is read whole (``prose`` would take them out).
    found = {key: VIETNAMESE_COMMANDS.findall(text) for key, text in EN.items()}

    assert {key: hits for key, hits in found.items() if hits} == {}


def test_every_vietnamese_command_the_test_knows_has_its_english_alias() -> None:
    from troly.bot.router import COMMANDS

    aliases = ("petition", "status", "mypetitions", "book", "mybookings", "mydata", "cancel")
    aliases += ("person", "ask", "dossier", "help", "lang")
    assert [name for name in aliases if name not in COMMANDS] == []
