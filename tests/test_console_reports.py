"""The reports pages over HTTP: who may read them, figures from petitions filed and answered
through the real flows, every CSV equal to its table, the period picker, both languages."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from httpx import Response

from console_support import Console, console_app, make_session
from support import VN, Clock
from troly.knowledge.index import ProcedureIndex

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def console(tmp_path: Path, index: ProcedureIndex, clock: Clock) -> Iterator[Console]:
    with console_app(tmp_path, index, clock) as running:
        yield running


class Tables(HTMLParser):
    """The figure tables of a page, by name: header row then body rows, as cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._name: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("data-table"):
            self._name = found["data-table"]
            self.tables[self._name] = []
        elif self._name and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._name:
            self.tables[self._name].append(self._row)
            self._row = None
        elif tag == "table":
            self._name = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def act(console: Console, who: str, code: str, **form: str) -> Response:
    csrf = console.csrf(who)
    with console.as_(who) as client:
        return client.post(
            f"/console/petitions/{code}/act", data={"csrf": csrf, **form}, follow_redirects=False
        )


def test_leaders_viewers_and_admins_read_reports_officers_and_strangers_do_not(
    console: Console,
) -> None:
    for who in ("viewer", "supervisor", "admin", "officer"):
        console.sign_in(who)
    for who in ("viewer", "supervisor", "admin"):
        with console.as_(who) as client:
            page = client.get("/console/reports/petitions")
            assert page.status_code == 200
            assert '<a href="/console/reports"' in page.text
            csv_file = client.get("/console/reports/questions/unanswered.csv")
            assert csv_file.status_code == 200
            assert csv_file.headers["content-type"] == "text/csv; charset=utf-8"
    with console.as_("officer") as client:
        assert client.get("/console/reports/petitions").status_code == 403
        assert client.get("/console/reports/petitions/received.csv").status_code == 403
        assert "/console/reports" not in client.get("/console/petitions").text
    with console.as_(None) as client:
        response = client.get("/console/reports/sessions", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login")
    with console.as_("viewer") as client:
        assert client.get("/console/reports/nothing").status_code == 404
        assert client.get("/console/reports/petitions/nothing.csv").status_code == 404
        home = client.get("/console/reports?period=2026-Q4", follow_redirects=False)
        assert home.headers["location"] == "/console/reports/petitions?period=2026-Q4"


def test_figures_of_petitions_filed_answered_and_rated_through_the_flows(
    console: Console, clock: Clock
) -> None:
    answered = console.file_petition("Cấp phép xây dựng nhà xưởng bị chậm", topic="xaydung")
    console.chat_session = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
    console.file_petition("Hoàn thuế giá trị gia tăng chậm", topic="thue")
    console.chat_session = "1b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
    console.file_petition("Đăng ký kinh doanh", topic="thue")
    clock.advance(hours=2)
    console.sign_in("officer")
    assert act(console, "officer", answered, action="claim").status_code == 303
    reply = act(console, "officer", answered, action="answer", text="Đã cấp phép.")
    assert reply.status_code == 303
    console.chat_session = "7a1c0e5b2d3f4a5b6c7d8e9f00112233"
    console.chat(choice=f"pb:rate:{answered}:4")
    # Monday 21/12 17:00 was the deadline of all three: the two unanswered are overdue now.
    clock.now = datetime(2026, 12, 22, 9, 0, tzinfo=VN)
    console.sign_in("supervisor")
    with console.as_("supervisor") as client:
        page = client.get("/console/reports/petitions", params={"period": "2026-12"})
    assert page.status_code == 200
    assert 'data-testid="period">tháng 12/2026<' in page.text
    tables = tables_of(page.text)
    (everything,) = tables["outcomes"][1:]
    header = tables["outcomes"][0]
    row = dict(zip(header, everything, strict=True))
    assert row["Số phản ánh"] == "3"
    assert (row["Đúng hạn"], row["Đang quá hạn"], row["Trễ hạn"]) == ("1", "2", "0")
    assert row["Tỷ lệ đúng hạn"] == "33,3%"
    assert row["Trung vị ngày làm việc"] == "0,2"  # two office hours of nine
    assert tables["by_topic"][1:] == [["Thuế", "2"], ["Xây dựng", "1"]]
    assert tables["by_channel"][1:] == [["Web", "3"]]
    officers = {r[0]: r for r in tables["outcomes_officer"][1:]}
    assert officers["Nguyễn Thị Lan"][2] == "1"
    head, first = tables["satisfaction_topic"][:2]
    satisfaction = dict(zip(head, first, strict=True))
    assert satisfaction["Lĩnh vực"] == "Xây dựng"
    assert (satisfaction["Số đánh giá"], satisfaction["4 sao"]) == ("1", "1")
    assert satisfaction["Điểm trung bình"] == "4,00"
    received = {day: n for day, n in tables["received"][1:]}
    assert received["07/12"] == "3" and len(received) == 31
    charts_drawn = page.text.count('role="img"')
    assert charts_drawn == len(tables) == 10


def test_every_csv_holds_exactly_the_table_the_page_shows(console: Console) -> None:
    console.file_petition("Cấp phép xây dựng nhà xưởng bị chậm", topic="xaydung")
    console.chat(text="thủ tục nuôi ong lấy mật ở đâu")
    console.sign_in("viewer")
    for page in ("petitions", "questions", "sessions"):
        with console.as_("viewer") as client:
            html = client.get(f"/console/reports/{page}", params={"period": "2026-12"}).text
            tables = tables_of(html)
            assert tables, page
            for name, rows in tables.items():
                download = client.get(f"/console/reports/{page}/{name}.csv?period=2026-12")
                assert download.status_code == 200
                assert download.text.startswith("\ufeff")
                parsed = list(csv.reader(io.StringIO(download.text.removeprefix("\ufeff"))))
                assert (name, parsed) == (name, rows)
                assert f"{name}-2026-12.csv" in download.headers["content-disposition"]


def test_the_period_picker_reads_month_quarter_year_and_a_custom_range(console: Console) -> None:
    console.sign_in("viewer")
    cases = {
        (("kind", "month"), ("month", "2026-11")): "tháng 11/2026",
        (("kind", "quarter"), ("quarter", "Q3"), ("year", "2026")): "quý 3/2026",
        (("kind", "year"), ("year", "2025")): "năm 2025",
        (("kind", "custom"), ("from", "2026-11-20"), ("to", "2026-12-05")): (
            "từ 20/11/2026 đến 05/12/2026"
        ),
        (("kind", "custom"), ("from", "2026-12-05"), ("to", "2026-11-20")): "tháng 12/2026",
    }
    for query, label in cases.items():
        with console.as_("viewer") as client:
            html = client.get("/console/reports/petitions", params=dict(query)).text
        assert f'data-testid="period">{label}<' in html
    with console.as_("viewer") as client:
        year = client.get("/console/reports/petitions", params={"period": "2026"}).text
    received = tables_of(year)["received"]
    assert received[0][0] == "Tháng" and len(received) == 13


def test_an_english_speaking_member_reads_the_reports_in_english(console: Console) -> None:
    console.file_petition("Cấp phép xây dựng nhà xưởng bị chậm", topic="xaydung")
    console.sign_in("supervisor")
    csrf = console.csrf("supervisor")
    with console.as_("supervisor") as client:
        client.post("/console/locale", data={"csrf": csrf, "locale": "en", "next": "/console/"})
        html = client.get("/console/reports/petitions").text
        csv_text = client.get("/console/reports/petitions/by_topic.csv").text
    assert "Petitions report" in html and 'data-testid="period">month 12/2026<' in html
    assert tables_of(html)["by_topic"] == [["Topic", "Petitions"], ["Construction", "1"]]
    assert csv_text.removeprefix("\ufeff") == "Topic,Petitions\nConstruction,1\n"
    assert "<title" in html and 'aria-labelledby="chart' in html


def test_the_sessions_page_counts_a_sessions_bookings_and_waitlist(console: Console) -> None:
    make_session(console, seats=1, businesses=3)
    console.sign_in("viewer")
    with console.as_("viewer") as client:
        html = client.get("/console/reports/sessions", params={"period": "2026-12"}).text
        other = client.get("/console/reports/sessions", params={"period": "2026-11"}).text
    header, *rows = tables_of(html)["sessions"]
    # The planner's own session of the month is listed too, with no booking yet.
    (row,) = [r for r in rows if r[header.index("Đăng ký")] != "0"]
    figures = dict(zip(header, row, strict=True))
    assert figures["Buổi tiếp"] == "17/12/2026"
    assert (figures["Số chỗ"], figures["Đăng ký"], figures["Vào danh sách chờ"]) == ("1", "3", "2")
    assert (figures["Được duyệt"], figures["Có mặt"], figures["Vắng mặt"]) == ("0", "0", "0")
    marks = re.findall(r'data-label="17/12/2026 · ([^"]+)" data-value="(\d+)"', html)
    assert dict(marks)["Đang chờ duyệt hoặc chờ chỗ"] == "3"
    assert "sessions" not in tables_of(other)
