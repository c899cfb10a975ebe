"""Text made safe at the door, and JSON parsed with a depth limit: the pure parts, and each
door's ``to_incoming`` fed literal platform JSON that carries escapes no person types."""

from __future__ import annotations

import json

import pytest
from telegram import Bot, Update

from troly.bot.clean import clean_incoming, clean_text, clean_value
from troly.bot.messages import Attachment, Incoming
from troly.handlers import telegram
from troly.handlers.json_body import MAX_DEPTH, TooDeep, depth, parse_json
from troly.handlers.terminal import to_terminal_incoming
from troly.handlers.zalo import bot as zalo_bot
from troly.handlers.zalo import oa_events

DEEP = b"[" * 5000 + b"]" * 5000


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Hoa\u0300n thu\u00ea\u0301", "Hoàn thuế"),  # decomposed marks composed (NFC)
        ("Hoàn\ud800 thuế", "Hoàn thuế"),  # a lone surrogate
        ("\udfffHoàn thuế\ud83d", "Hoàn thuế"),
        ("Hoàn\x00 thuế\x00", "Hoàn thuế"),  # NUL
        ("dòng 1\r\ndòng 2\rdòng 3", "dòng 1\ndòng 2\ndòng 3"),
        ("cột\tcột\ndòng", "cột\tcột\ndòng"),  # tab and newline kept
        ("\x1b[31mđỏ\x1b[0m\x7f\x85", "[31mđỏ[0m"),  # escape, DEL and C1 removed
        ("🇻🇳 Việt Nam 😀", "🇻🇳 Việt Nam 😀"),  # real astral characters stay
    ],
)
def test_clean_text_keeps_what_a_person_typed_and_drops_the_rest(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    assert clean_text(clean) == clean


def test_a_message_is_cleaned_in_every_field_a_person_or_platform_fills() -> None:
    dirty = Incoming(
        channel="telegram",
        user_id="5",
        text="mô tả\ud800\x00",
        choice="pf:done\x00",
        attachments=(Attachment("document", "file\x00id", name="ho\u0300 so\x00.pdf"),),
        display_name="An\ud800",
    )

    clean = clean_incoming(dirty)

    assert (clean.text, clean.choice, clean.display_name) == ("mô tả", "pf:done", "An")
    assert clean.attachments == (Attachment("document", "fileid", name="hò so.pdf"),)
    assert clean_incoming(Incoming(channel="web", user_id="s", text="\x00\ud800")).text is None


def test_a_stored_value_is_clean_only_when_every_string_in_it_is() -> None:
    assert clean_value({"description": "Hoàn thuế", "files": [{"name": "a.pdf"}], "n": 1})
    assert not clean_value({"description": "Hoàn\ud800"})
    assert not clean_value({"files": [{"name": "a\x00.pdf"}]})
    assert not clean_value({"key\x00": 1})
    assert not clean_value({"when": object()})


def test_json_nested_deeper_than_the_limit_is_refused_without_recursion() -> None:
    assert len(DEEP) == 10_000  # 5,000 levels, far under every door's size cap
    with pytest.raises(TooDeep):
        parse_json(DEEP)
    with pytest.raises(TooDeep):
        parse_json(b'{"a":' * 65 + b"1" + b"}" * 65)
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    body = json.dumps({"session": "s", "text": '[[[[{{{{ \\" ]]' * 100}).encode()
    assert depth(body) == 1
    assert parse_json(body)["session"] == "s"


def test_malformed_json_is_still_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_json(b'{"a": ')
    with pytest.raises(ValueError):
        parse_json(b"\xff\xfe")


def _telegram(raw: str) -> Incoming | None:
    return telegram.to_incoming(Update.de_json(json.loads(raw), Bot("1:x")))


def test_a_telegram_message_with_a_lone_surrogate_and_nul_arrives_clean() -> None:
    incoming = _telegram(
        '{"update_id": 10, "message": {"message_id": 3, "date": 1,'
        ' "chat": {"id": 5, "type": "private"},'
        ' "from": {"id": 5, "is_bot": false, "first_name": "An\\ud800"},'
        ' "text": "Ho\\u00e0n thu\\u1ebf ch\\u1eadm\\ud800\\u0000 qu\\u00e1"}}'
    )

    assert incoming is not None
    assert (incoming.text, incoming.display_name) == ("Hoàn thuế chậm quá", "An")


def test_a_telegram_document_name_and_a_button_payload_arrive_clean() -> None:
    document = _telegram(
        '{"update_id": 11, "message": {"message_id": 4, "date": 1,'
        ' "chat": {"id": 5, "type": "private"},'
        ' "from": {"id": 5, "is_bot": false, "first_name": "An"},'
        ' "document": {"file_id": "F1", "file_unique_id": "u1",'
        ' "file_name": "ho\\u0300 so\\u0000\\ud800.pdf", "mime_type": "application/pdf"}}}'
    )
    button = _telegram(
        '{"update_id": 12, "callback_query": {"id": "c1", "chat_instance": "x",'
        ' "data": "pf:done\\u0000",'
        ' "from": {"id": 5, "is_bot": false, "first_name": "An"},'
        ' "message": {"message_id": 3, "date": 1, "chat": {"id": 5, "type": "private"}}}}'
    )

    assert document is not None and button is not None
    assert document.attachments[0].name == "hò so.pdf"
    assert button.choice == "pf:done"


def test_a_telegram_message_of_nothing_but_control_characters_is_not_handled() -> None:
    incoming = _telegram(
        '{"update_id": 13, "message": {"message_id": 5, "date": 1,'
        ' "chat": {"id": 5, "type": "private"},'
        ' "from": {"id": 5, "is_bot": false, "first_name": "An"},'
        ' "text": "\\u0000\\ud800\\u0007"}}'
    )
    assert incoming is None


def test_a_zalo_bot_text_with_a_lone_surrogate_and_nul_arrives_clean() -> None:
    body = parse_json(
        b'{"ok": true, "result": {"event_name": "message.text.received", "message": {'
        b'"from": {"id": "u1", "display_name": "Ted\\u0000", "is_bot": false},'
        b'"chat": {"id": "u1", "chat_type": "PRIVATE"},'
        b'"text": "Ho\\u00e0n thu\\u00ea\\u0301\\ud800\\u0000", "message_id": "m1",'
        b'"date": 1750316131602}}}'
    )

    incoming = zalo_bot.to_incoming(body)

    assert incoming is not None
    assert (incoming.text, incoming.display_name) == ("Hoàn thuế", "Ted")


def test_a_zalo_oa_text_with_a_lone_surrogate_and_nul_arrives_clean() -> None:
    body = parse_json(
        b'{"app_id": "1", "event_name": "user_send_text", "sender": {"id": "246"},'
        b' "recipient": {"id": "579"}, "timestamp": "1699003881354",'
        b' "message": {"text": "th\\u1ee7 t\\u1ee5c\\ud800 mst\\u0000", "msg_id": "m2"}}'
    )
    only_nul = parse_json(
        b'{"app_id": "1", "event_name": "user_send_text", "sender": {"id": "246"},'
        b' "timestamp": "1699003881354", "message": {"text": "\\u0000", "msg_id": "m3"}}'
    )

    incoming = oa_events.to_incoming(body)

    assert incoming is not None
    assert incoming.text == "thủ tục mst"
    assert oa_events.to_incoming(only_nul) is None


def test_a_terminal_line_arrives_clean() -> None:
    incoming = to_terminal_incoming("Ho\u0300a\ud800n\x00\n", [], "cli-1")
    assert incoming.text == "Hòan"
