"""The Zalo adapters' pure parts on literal platform JSON: to_incoming, render, signatures,
numbered choices; and the settings that turn the doors on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from support import Clock
from troly.bot.choices import ChoiceMenus, numbered_hint, pick
from troly.bot.messages import Button, Incoming, Reply
from troly.bot.outbox import Held, RetryLater, Undeliverable
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.handlers.zalo import bot, oa
from troly.handlers.zalo.common import split_text, text_units

BOT_UPDATE = """{
  "ok": true,
  "result": {
    "event_name": "message.text.received",
    "message": {
      "from": {"id": "6ede9afa1bd9f187a888", "display_name": "Ted", "is_bot": false},
      "chat": {"id": "6ede9afa1bd9f187a888", "chat_type": "PRIVATE"},
      "text": "Xin chào",
      "message_id": "2d758cb5e222177a4e35",
      "date": 1750316131602
    }
  }
}"""

APP_ID, OA_SECRET = "4318712907561234567", "oa-secret"
OA_TEXT = (
    '{"app_id": "4318712907561234567", "user_id_by_app": "552177279717587994",'
    ' "event_name": "user_send_text", "sender": {"id": "246845883529197922"},'
    ' "recipient": {"id": "579745863508352884"},'
    ' "message": {"text": "thủ tục mst", "msg_id": "96d3cdf3af150460909"},'
    ' "timestamp": "1699003881354"}'
)


def test_a_zalo_bot_text_update_becomes_an_incoming_keyed_by_message_id() -> None:
    incoming = bot.to_incoming(json.loads(BOT_UPDATE))
    assert incoming == Incoming(
        channel="zalo_bot",
        user_id="6ede9afa1bd9f187a888",
        text="Xin chào",
        event_id="2d758cb5e222177a4e35",
        display_name="Ted",
    )


def test_get_updates_results_come_without_the_envelope() -> None:
    result = json.loads(BOT_UPDATE)["result"]
    incoming = bot.to_incoming(result)
    assert incoming is not None and incoming.text == "Xin chào"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"chat": {"id": "g1", "chat_type": "GROUP"}}, None),
        ({"from": {"id": "b", "is_bot": True}}, None),
    ],
)
def test_group_and_bot_messages_are_ignored(change: dict[str, object], expected: None) -> None:
    data = json.loads(BOT_UPDATE)
    data["result"]["message"].update(change)
    assert bot.to_incoming(data) is expected


def test_an_unsupported_message_has_no_text_but_an_attachment() -> None:
    data = json.loads(BOT_UPDATE)
    data["result"]["event_name"] = "message.unsupported.received"
    del data["result"]["message"]["text"]
    incoming = bot.to_incoming(data)
    assert incoming is not None
    assert (incoming.text, [a.kind for a in incoming.attachments]) == (None, ["other"])


def test_an_unknown_bot_event_is_ignored() -> None:
    data = json.loads(BOT_UPDATE)
    data["result"]["event_name"] = "message.reaction.received"
    assert bot.to_incoming(data) is None


def test_zalo_bot_render_numbers_every_choice_and_lists_links() -> None:
    reply = Reply(
        "Chọn thủ tục",
        (
            (Button("Một", choice="proc:1"), Button("Hai", choice="proc:2")),
            (Button("Cổng DVC", url="https://dichvucong.gov.vn"),),
            (Button("Ba", choice="human"),),
        ),
    )
    rendered = bot.render(reply)
    assert rendered.pieces == [
        "Chọn thủ tục\n\n1. Một\n2. Hai\n3. Ba\n🔗 Cổng DVC: https://dichvucong.gov.vn\n"
        "Trả lời 1, 2 hoặc 3 để chọn."
    ]
    assert rendered.choices == ["proc:1", "proc:2", "human"]
    assert bot.render(Reply("Pick", ((Button("One", choice="x"),),)), "en").pieces == [
        "Pick\n\n1. One\nReply 1 to choose."
    ]


def _sign(raw: str, *, secret: str = OA_SECRET) -> str:
    return oa.expected_signature(
        raw.encode(), app_id=APP_ID, timestamp="1699003881354", oa_secret=secret
    )


@pytest.mark.parametrize("prefix", ["mac=", ""])
def test_an_oa_signature_is_accepted_with_or_without_the_mac_prefix(prefix: str) -> None:
    header = prefix + _sign(OA_TEXT)
    assert oa.signature_ok(OA_TEXT.encode(), header, app_id=APP_ID, oa_secret=OA_SECRET)


@pytest.mark.parametrize(
    "header",
    [None, "", "mac=", "mac=" + "0" * 64, "mac=" + _sign(OA_TEXT, secret="app-secret")],
)
def test_a_wrong_or_missing_oa_signature_is_refused(header: str | None) -> None:
    assert not oa.signature_ok(OA_TEXT.encode(), header, app_id=APP_ID, oa_secret=OA_SECRET)


def test_the_oa_signature_covers_the_raw_bytes_not_the_parsed_json() -> None:
    header = "mac=" + _sign(OA_TEXT)
    compact = json.dumps(json.loads(OA_TEXT), separators=(",", ":"), ensure_ascii=False)
    assert not oa.signature_ok(compact.encode(), header, app_id=APP_ID, oa_secret=OA_SECRET)
    other_app = OA_TEXT.replace(APP_ID, "1111111111111111111")
    forged = oa.expected_signature(
        other_app.encode(), app_id="1111111111111111111", timestamp="1699003881354",
        oa_secret=OA_SECRET,
    )  # fmt: skip
    assert not oa.signature_ok(other_app.encode(), forged, app_id=APP_ID, oa_secret=OA_SECRET)


def test_oa_events_become_incomings_or_are_ignored() -> None:
    text = oa.to_incoming(json.loads(OA_TEXT))
    assert text == Incoming(
        channel="zalo_oa", user_id="246845883529197922", text="thủ tục mst",
        event_id="96d3cdf3af150460909",
    )  # fmt: skip
    follow = oa.to_incoming(
        {"app_id": APP_ID, "oa_id": "5797", "follower": {"id": "2468"}, "event_name": "follow",
         "timestamp": "1699003881354", "user_id_by_app": "55", "source": "oa_profile"}
    )  # fmt: skip
    assert follow is not None and (follow.user_id, follow.choice) == ("2468", "start")
    image = oa.to_incoming(
        {"app_id": APP_ID, "event_name": "user_send_image", "sender": {"id": "2468"},
         "recipient": {"id": "5797"}, "timestamp": "1",
         "message": {"msg_id": "m1", "attachments": [
             {"type": "image", "payload": {"url": "https://s120.zdn.vn/a.jpg"}}]}}
    )  # fmt: skip
    assert image is not None
    assert [(a.kind, a.ref) for a in image.attachments] == [("photo", "https://s120.zdn.vn/a.jpg")]
    for name in ("oa_send_text", "user_seen_message", "user_received_message", "unfollow", "new"):
        event = json.loads(OA_TEXT)
        event["event_name"] = name
        assert oa.to_incoming(event) is None, name


def test_oa_render_uses_zalo_buttons_up_to_five_and_numbers_beyond() -> None:
    few = Reply(
        "Thủ tục",
        ((Button("Hồ sơ", choice="docs:1"), Button("Cổng", url="https://dichvucong.gov.vn")),),
    )
    messages, choices = oa.render(few)
    assert messages == [
        {
            "text": "Thủ tục",
            "attachment": {
                "type": "template",
                "payload": {
                    "buttons": [
                        {"title": "Hồ sơ", "type": "oa.query.show", "payload": "docs:1"},
                        {"title": "Cổng", "type": "oa.open.url",
                         "payload": {"url": "https://dichvucong.gov.vn"}},
                    ]
                },
            },
        }
    ]  # fmt: skip
    assert choices == ["docs:1"]
    many = Reply("Chọn", tuple((Button(f"Mục {n}", choice=f"c{n}"),) for n in range(1, 7)))
    messages, choices = oa.render(many)
    assert "attachment" not in messages[-1]
    assert messages[-1]["text"].endswith("Trả lời 1, 2, 3, 4, 5 hoặc 6 để chọn.")
    assert choices == [f"c{n}" for n in range(1, 7)]


def test_long_text_is_split_under_2000_units_at_line_breaks() -> None:
    text = "\n".join(f"Dòng {n}: hồ sơ đăng ký kinh doanh 😀" for n in range(300))
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(text_units(p) <= 2000 for p in pieces)
    assert all(p.endswith("😀") for p in pieces)
    assert "\n".join(pieces) == text


def test_a_typed_number_or_a_button_payload_picks_the_choice() -> None:
    choices = ["docs:1", "asp:1:time", "human"]
    assert [pick(t, choices) for t in ["1", " 2. ", "3)", "4", "0", "human", "mst", None]] == [
        "docs:1", "asp:1:time", "human", None, None, "human", None, None,
    ]  # fmt: skip
    assert numbered_hint(3, "vi") == "Trả lời 1, 2 hoặc 3 để chọn."
    assert numbered_hint(2, "en") == "Reply 1 or 2 to choose."


async def test_the_numbered_choices_survive_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'menus.db'}"
    clock = Clock()
    for choices in (["docs:1", "human"], ["proc:2", "proc:3"]):
        engine = create_engine(url)
        await upgrade(engine)
        await ChoiceMenus(sessions=session_factory(engine), clock=clock).remember(
            "zalo_bot", "u1", choices
        )
        await engine.dispose()
    engine = create_engine(url)  # a restarted worker
    try:
        menus = ChoiceMenus(sessions=session_factory(engine), clock=clock)
        picked = await menus.resolve(Incoming(channel="zalo_bot", user_id="u1", text="2"))
        other = await menus.resolve(Incoming(channel="zalo_oa", user_id="u1", text="2"))
    finally:
        await engine.dispose()
    assert (picked.choice, picked.text) == ("proc:3", None)
    assert (other.choice, other.text) == (None, "2")


def test_the_oa_door_needs_its_app_id_and_secrets() -> None:
    with pytest.raises(ValidationError, match="TROLY_ZALO_OA_APP_ID"):
        Settings(environment="test", zalo_oa_refresh_token=SecretStr("rt-1"))
    # Half of the three (no refresh token: the door waits for `troly zalo authorize`).
    with pytest.raises(ValidationError, match="TROLY_ZALO_OA_APP_SECRET, TROLY_ZALO_OA_SECRET"):
        Settings(environment="test", zalo_oa_app_id="1")
    complete = Settings(
        environment="test",
        zalo_oa_app_id="1",
        zalo_oa_app_secret=SecretStr("app-secret"),
        zalo_oa_secret=SecretStr("oa-secret"),
    )
    assert complete.zalo_oa_configured and complete.zalo_oa_refresh_token is None
    assert not Settings(environment="test").zalo_oa_configured


@pytest.mark.parametrize("name", ["zalo_bot_token", "zalo_oa_secret", "zalo_oa_refresh_token"])
def test_placeholder_zalo_secrets_are_refused_in_production(name: str) -> None:
    values: dict[str, object] = {
        "zalo_oa_app_id": "1",
        "zalo_oa_app_secret": SecretStr("a-real-app-secret"),
        "zalo_oa_secret": SecretStr("a-real-oa-secret"),
        "zalo_oa_refresh_token": SecretStr("rt-real"),
        name: SecretStr("changeme"),
    }
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(environment="production", **values)  # type: ignore[arg-type]


def test_a_zalo_bot_webhook_secret_must_be_8_to_256_characters() -> None:
    with pytest.raises(ValidationError, match="8 to 256"):
        Settings(environment="test", zalo_bot_webhook_secret=SecretStr("short"))


@pytest.mark.parametrize(
    ("code", "kind", "detail"),
    [
        (-230, "Held", "waiting for the user"),
        (-232, "Held", "waiting for the user"),
        (-32, "RetryLater", 60.0),
        (-213, "Undeliverable", True),
        (-201, "Undeliverable", False),
        (-211, "RetryLater", None),
    ],
)
def test_oa_error_codes_map_to_the_outbox_outcomes(code: int, kind: str, detail: object) -> None:
    from troly.handlers.zalo.oa import ZaloOAError, _outbox_error

    error = _outbox_error(ZaloOAError(code, "x"))
    assert type(error).__name__ == kind
    if isinstance(error, Held):
        assert error.reason.startswith(str(detail))
    elif isinstance(error, RetryLater):
        assert error.after == detail
    elif isinstance(error, Undeliverable):
        assert error.blocked is detail
