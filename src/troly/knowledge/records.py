"""Procedure records (thủ tục hành chính): the typed model and the loader of the bundled file.

A malformed record is reported by code and field and skipped; it never stops start-up.
Missing values stay missing (``None`` or empty): nothing is invented.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from troly.knowledge.steps import Steps

logger = logging.getLogger(__name__)

BUNDLED = "data/procedures.jsonl.gz"
_NO_INFO = {"không có thông tin", ""}


@dataclass(frozen=True, slots=True)
class Fee:
    """A fee as the record prints it, with the amount in đồng when the note states one."""

    text: str
    amount_vnd: int | None = None
    free: bool = False
    doubtful: bool = False  # a tiny portal amount nothing corrects (maybe 100 for 100.000)
    note: str | None = None  # the record's own words about the fee, as printed

    @property
    def known(self) -> bool:
        """Whether the record says anything about this fee."""
        return self.free or self.text.strip().lower() not in _NO_INFO


@dataclass(frozen=True, slots=True)
class SubmissionChannel:
    """One way to submit (Trực tiếp, Trực tuyến, Dịch vụ bưu chính) with its time and fees."""

    name: str
    time_text: str | None
    time_value: float | None
    time_unit: str | None
    working_days: float | None
    fees: tuple[Fee, ...]
    description: str | None


@dataclass(frozen=True, slots=True)
class DocumentItem:
    """A document to prepare, with how many originals and copies."""

    name: str
    originals: int | None
    copies: int | None


@dataclass(frozen=True, slots=True)
class DocumentCase:
    """The documents for one case of a procedure (``case`` is None when there is one set)."""

    case: str | None
    documents: tuple[DocumentItem, ...]


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """A legal text the procedure rests on."""

    code: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class Procedure:
    """One administrative procedure from the National Public Service Portal."""

    code: str
    name: str
    levels: tuple[str, ...]
    level_names: tuple[str, ...]
    field: str | None
    kind: str | None
    agency: str | None
    authority: str | None
    where: str | None
    subjects: tuple[str, ...]
    steps: tuple[str, ...]
    channels: tuple[SubmissionChannel, ...]
    document_cases: tuple[DocumentCase, ...]
    legal_basis: tuple[LegalBasis, ...]
    conditions: str | None
    results: tuple[str, ...]
    online: bool
    min_working_days: float | None
    source_url: str | None
    topics: tuple[str, ...] = ()
    business_relevant: bool = False
    # The agency as the portal's catalogue names it ("Ủy ban nhân dân cấp xã"), filled in
    # where the record's own agency fields are empty.
    agency_listed: str | None = None
    # "N ngày làm việc" phrases found in the steps, for a record that gives no time elsewhere.
    step_times: tuple[str, ...] = ()

    @property
    def document_count(self) -> int:
        """How many documents the record lists over all cases."""
        return sum(len(c.documents) for c in self.document_cases)


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """A record that could not be loaded: its code (or line), the field, and why."""

    code: str
    field: str
    message: str


@dataclass(slots=True)
class KnowledgeBase:
    """The loaded procedures by code, and the problems met while loading them."""

    procedures: dict[str, Procedure] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.procedures)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self.procedures.values())

    def get(self, code: str) -> Procedure | None:
        """The procedure with this national code, if known."""
        return self.procedures.get(code)


class RecordError(ValueError):
    """A record field has the wrong shape."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field_name = field_name
        self.message = message


def load_knowledge(path: Path | None = None) -> KnowledgeBase:
    """Loads the bundled procedures (or a given ``.jsonl``/``.jsonl.gz`` file)."""
    if path is None:
        data = resources.files("troly.knowledge").joinpath(BUNDLED).read_bytes()
        lines = gzip.decompress(data).decode("utf-8").splitlines()
    elif path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    return parse_lines(lines)


class ExportError(ValueError):
    """A file that is not a JSON-lines export at all (not gzip or text, not UTF-8)."""


def export_text(data: bytes) -> str:
    """The text of an export, gzipped or not; raises ``ExportError`` when it is neither."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ExportError(f"not a readable gzip file ({exc})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(f"not UTF-8 text (byte {exc.start})") from exc


def parse_lines(lines: Iterable[str]) -> KnowledgeBase:
    """Parses JSON lines into a knowledge base, skipping and reporting malformed records."""
    kb = KnowledgeBase()
    for _ in _parse_into(kb, lines):
        pass
    return kb


def parse_in_steps(lines: Iterable[str]) -> Steps[KnowledgeBase]:
    """``parse_lines`` a record at a time (a worker reads an import between its questions)."""
    kb = KnowledgeBase()
    yield from _parse_into(kb, lines)
    return kb


def _parse_into(kb: KnowledgeBase, lines: Iterable[str]) -> Iterator[None]:
    for number, line in enumerate(lines, start=1):
        yield
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            kb.problems.append(LoadProblem(f"line {number}", "json", str(exc)))
            continue
        code = raw.get("ma_thu_tuc") if isinstance(raw, dict) else None
        label = code if isinstance(code, str) and code else f"line {number}"
        try:
            procedure = parse_record(raw)
        except RecordError as exc:
            kb.problems.append(LoadProblem(label, exc.field_name, exc.message))
            continue
        if procedure.code in kb.procedures:
            kb.problems.append(LoadProblem(label, "ma_thu_tuc", "duplicate code, kept the first"))
            continue
        kb.procedures[procedure.code] = procedure
    for problem in kb.problems:
        logger.warning(
            "skipped procedure record %s (field %s): %s",
            problem.code,
            problem.field,
            problem.message,
        )


def parse_record(raw: Any) -> Procedure:
    """Builds a ``Procedure`` from one portal record; raises ``RecordError`` naming the field."""
    if not isinstance(raw, dict):
        raise RecordError("record", "not a JSON object")
    code = _required_str(raw, "ma_thu_tuc")
    name = " ".join(_required_str(raw, "ten_thu_tuc").split())
    return Procedure(
        code=code,
        name=name,
        levels=_str_tuple(raw, "cap_thuc_hien_codes"),
        level_names=_str_tuple(raw, "cap_thuc_hien"),
        field=_opt_str(raw, "linh_vuc"),
        kind=_opt_str(raw, "loai_thu_tuc"),
        agency=_opt_str(raw, "co_quan_thuc_hien"),
        authority=_opt_str(raw, "co_quan_co_tham_quyen"),
        where=_opt_str(raw, "dia_chi_tiep_nhan"),
        subjects=_str_tuple(raw, "doi_tuong_thuc_hien"),
        steps=_str_tuple(raw, "cac_buoc"),
        channels=tuple(_channel(c) for c in _list(raw, "cach_thuc_thuc_hien")),
        document_cases=tuple(_document_case(c) for c in _list(raw, "thanh_phan_ho_so")),
        legal_basis=tuple(_legal(x) for x in _list(raw, "can_cu_phap_ly")),
        conditions=_opt_str(raw, "yeu_cau_dieu_kien"),
        results=tuple(
            name
            for x in _list(raw, "ket_qua")
            if isinstance(x, dict)
            for name in [_opt_str(x, "name")]
            if name
        ),
        online=bool(raw.get("co_kenh_truc_tuyen")),
        min_working_days=_opt_number(raw, "thoi_han_giai_quyet_ngay_lam_viec_min"),
        source_url=_opt_str(raw, "source_url"),
        topics=_str_tuple(raw, "topics"),
        business_relevant=bool(raw.get("business_relevant")),
        agency_listed=_opt_str(raw, "co_quan_thuc_hien_danh_muc"),
        step_times=_str_tuple(raw, "thoi_han_nhac_trong_trinh_tu"),
    )


def _channel(raw: Any) -> SubmissionChannel:
    if not isinstance(raw, dict):
        raise RecordError("cach_thuc_thuc_hien", "entry is not an object")
    return SubmissionChannel(
        name=_opt_str(raw, "channel") or "Không rõ",
        time_text=_opt_str(raw, "processing_time_text"),
        time_value=_opt_number(raw, "processing_time_value"),
        time_unit=_opt_str(raw, "processing_time_unit"),
        working_days=_opt_number(raw, "working_days"),
        fees=tuple(_fee(f) for f in _list(raw, "fees")),
        description=_opt_str(raw, "description"),
    )


def _fee(raw: Any) -> Fee:
    """Reads a fee; the portal's own amount is often wrong (700 for 700.000), the note is not.

    The printed text is "<portal amount> Việt Nam Đồng(<note>)". The note is shown; the
    amount goes in front of it when the note states none and the portal's is plausible (at
    least 1.000 đồng). A small portal amount with no note to correct it is shown as printed
    and marked ``doubtful``; a note that gives the sum (in đồng or USD) is trusted over it.
    """
    if not isinstance(raw, dict):
        raise RecordError("fees", "entry is not an object")
    text = _opt_str(raw, "text") or ""
    note = _opt_str(raw, "note")
    amount = raw.get("amount_vnd_from_note")
    if amount is not None and not isinstance(amount, int | float):
        raise RecordError("fees.amount_vnd_from_note", f"not a number: {amount!r}")
    portal = raw.get("portal_amount")
    if portal is not None and not isinstance(portal, int | float):
        raise RecordError("fees.portal_amount", f"not a number: {portal!r}")
    doubtful = False
    if amount is None and portal is not None and portal >= 1000:
        amount = portal
        shown = _vnd(int(portal)) + (f" — {note.lstrip('- ')}" if note else "")
    elif note:
        shown = note
    else:
        shown = text.rstrip("( ")
        doubtful = portal is not None and 0 < portal < 1000
    return Fee(
        text=" ".join(shown.split()),
        amount_vnd=int(amount) if amount is not None else None,
        free=text.strip().lower() == "miễn phí",
        doubtful=doubtful,
        note=" ".join(note.split()) if note else None,
    )


def _vnd(amount: int) -> str:
    """An amount as the province writes it: ``150.000 đồng``."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def _document_case(raw: Any) -> DocumentCase:
    if not isinstance(raw, dict):
        raise RecordError("thanh_phan_ho_so", "case is not an object")
    items = []
    for doc in _list(raw, "documents"):
        if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
            raise RecordError("thanh_phan_ho_so.documents", "document without a name")
        items.append(
            DocumentItem(
                # Names often start with the list dash of the portal's text ("- Giấy đề nghị").
                name=" ".join(doc["name"].split()).lstrip("-–•+ ").strip() or doc["name"].strip(),
                originals=_opt_int(doc, "originals"),
                copies=_opt_int(doc, "copies"),
            )
        )
    return DocumentCase(case=_opt_str(raw, "case"), documents=tuple(items))


def _legal(raw: Any) -> LegalBasis:
    if not isinstance(raw, dict):
        raise RecordError("can_cu_phap_ly", "entry is not an object")
    return LegalBasis(code=_opt_str(raw, "code"), title=_opt_str(raw, "title"))


def _required_str(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RecordError(key, "missing or not text")
    return value.strip()


def _opt_str(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(key, f"expected text, got {type(value).__name__}")
    value = value.strip()
    return value or None


def _opt_number(raw: Mapping[str, Any], key: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(key, f"expected a number, got {value!r}")
    return float(value)


def _opt_int(raw: Mapping[str, Any], key: str) -> int | None:
    value = _opt_number(raw, key)
    return None if value is None else int(value)


def _list(raw: Mapping[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(key, f"expected a list, got {type(value).__name__}")
    return value


def _str_tuple(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    items = _list(raw, key)
    if not all(isinstance(x, str) for x in items):
        raise RecordError(key, "expected a list of text")
    return tuple(x.strip() for x in items if x.strip())
