"""Topics of the ministries the knowledge base does not cover, and the words that name them.

The bundled records come from six ministries and the State Bank; the data README lists what
is *not* covered (Bộ Y tế, Bộ Công Thương, labour of Bộ Nội vụ, culture and tourism,
education, science and technology). A question naming one of these topics is very likely
out of scope even when its generic words ("cấp", "giấy phép", "chứng chỉ hành nghề") match a
record. This is a maintained lexicon, written per domain from what those ministries license
(not from any question set); it feeds the in-scope model as one piece of evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    """A domain the records do not cover: its folded terms, and optionally a context.

    A topic is named when one of ``terms`` occurs in the folded question and, if ``context``
    is given, one of the context phrases occurs too ("nhà hàng" only says food safety of the
    health sector next to "an toàn thực phẩm").
    """

    name: str
    terms: tuple[str, ...]
    context: tuple[str, ...] = ()


# Terms already used by covered records (karaoke and hotels for fire safety and security,
# "đào tạo" for driving schools, "xăng dầu", "vật liệu nổ") are deliberately left out.
UNCOVERED_TOPICS: tuple[Topic, ...] = (
    Topic(
        "health (Bộ Y tế)",
        (
            "kham benh",
            "chua benh",
            "bac sy",
            "y sy",
            "dieu duong",
            "ho sinh",
            "luong y",
            "phong kham",
            "benh vien",
            "tram y te",
            "nha thuoc",
            "quay thuoc",
            "hieu thuoc",
            "thuoc tay",
            "thuoc dong y",
            "duoc sy",
            "hanh nghe duoc",
            "kinh doanh duoc",
            "my pham",
            "thiet bi y te",
            "nha khoa",
            "tham my vien",
            "phau thuat tham my",
            "xet nghiem",
            "tiem chung",
            "so y te",
            "bo y te",
            "nganh y te",
            "ben y te",
            "co so y te",
            "thuc pham chuc nang",
            "thuc pham bao ve suc khoe",
            "nuoc dong chai",
            "nuoc uong dong chai",
            "nuoc khoang",
        ),
    ),
    Topic(
        "food safety of the health sector",
        (
            "y te",
            "quan an",
            "nha hang",
            "bep an",
            "an uong",
            "quan pho",
            "quan com",
            "quan nhau",
            "quan ca phe",
            "tiem banh",
            "cang tin",
            "suat an",
            "nuoc uong",
            "nuoc dong chai",
            "nuoc da",
            "phu gia",
        ),
        context=("an toan thuc pham", "ve sinh thuc pham", "ve sinh an toan thuc pham"),
    ),
    Topic(
        "industry and trade (Bộ Công Thương)",
        (
            "ruou",
            "thuoc la",
            "khuyen mai",
            "ban hang da cap",
            "kinh doanh da cap",
            "nhuong quyen thuong mai",
            "sieu thi",
            "trung tam thuong mai",
            "hoat dong dien luc",
            "mua ban dien",
            "dien mat troi",
            "dien ap mai",
            "khi dau mo hoa long",
            "nhap khau tu dong",
            "kinh doanh hoa chat",
            "san xuat hoa chat",
            "bo cong thuong",
            "so cong thuong",
            "nganh cong thuong",
            "ban le xang dau",
            "lpg",
            "khi hoa long",
            "su dung vat lieu no",
            "kinh doanh vat lieu no",
            "c o form",
            "thuong nhan nuoc ngoai",
            "van phong dai dien thuong mai",
        ),
    ),
    Topic(
        "certificates of origin for exports (Bộ Công Thương)",
        ("giay chung nhan xuat xu", "chung nhan xuat xu", "c o"),
        context=("xuat khau", "xuat sang", "hang xuat", "lo hang xuat"),
    ),
    Topic(
        "labour and employment (Bộ Nội vụ)",
        (
            "giay phep lao dong",
            "lao dong nuoc ngoai",
            "nguoi nuoc ngoai lam viec",
            "noi quy lao dong",
            "thang luong",
            "bang luong",
            "dich vu viec lam",
            "gioi thieu viec lam",
            "trung tam viec lam",
            "xuat khau lao dong",
            "cho thue lai lao dong",
            "thoa uoc lao dong",
            "tranh chap lao dong",
            "cong doan",
            "bao cao tinh hinh su dung lao dong",
            "thu viec",
            "tro cap thoi viec",
            "sa thai",
            "ky luat lao dong",
            "luong toi thieu",
            "so lao dong",
            "bo lao dong",
            "lao dong thuong binh",
        ),
    ),
    Topic(
        "culture, sports and tourism",
        (
            "bieu dien",
            "nghe thuat",
            "ca nhac",
            "le hoi",
            "lu hanh",
            "huong dan vien du lich",
            "lu hanh noi dia",
            "truyen hinh",
            "phat thanh",
            "hang sao",
            "quang cao",
            "bang ron",
            "di tich",
            "bao tang",
            "thu vien",
            "bao chi",
            "tap chi",
            "xuat ban",
            "co so in",
            "dien anh",
            "chieu phim",
            "tro choi dien tu",
            "game",
            "phong gym",
            "vo thuat",
            "be boi",
            "nhiep anh",
            "my thuat",
            "giay phep kinh doanh karaoke",
            "bang bien quang cao",
            "so van hoa",
            "bo van hoa",
        ),
    ),
    Topic(
        "education and vocational training",
        (
            "truong hoc",
            "mam non",
            "mau giao",
            "nha tre",
            "nhom tre",
            "tieu hoc",
            "trung hoc",
            "dai hoc",
            "cao dang",
            "trung cap",
            "giao duc",
            "trung tam ngoai ngu",
            "ngoai ngu",
            "day them",
            "hoc them",
            "du hoc",
            "giao vien",
            "hoc sinh",
            "van bang",
            "bang tot nghiep",
            "day nghe",
            "giao duc nghe nghiep",
        ),
    ),
    Topic(
        "science, technology, intellectual property and telecoms",
        (
            "nhan hieu",
            "thuong hieu",
            "sang che",
            "kieu dang cong nghiep",
            "so huu tri tue",
            "ban quyen",
            "quyen tac gia",
            "chi dan dia ly",
            "ma vach",
            "do luong",
            "vien thong",
            "tan so",
            "ten mien",
            "can dien tu",
            "iso",
            "chu ky so",
            "website",
            "mang xa hoi",
            "chuyen giao cong nghe",
            "doanh nghiep khoa hoc va cong nghe",
            "trang thong tin dien tu tong hop",
            "so khoa hoc",
            "bo khoa hoc",
        ),
    ),
    Topic(
        "consular affairs (Bộ Ngoại giao)",
        ("hop phap hoa lanh su", "chung nhan lanh su"),
    ),
)


# Specialised sectors among the covered records. A business owner who does not name one of
# these means the ordinary procedure ("giải thể công ty" is not the securities fund's), so a
# record naming a sector the question does not is a less likely answer.
SPECIALISED_SECTORS: tuple[str, ...] = (
    "chung khoan",
    "quy dau tu",
    "ngan hang thuong mai",
    "to chuc tin dung",
    "tai chinh vi mo",
    "ngoai hoi",
    "trung gian thanh toan",
    "thong tin tin dung",
    "hang khong",
    "tau bay",
    "tau bien",
    "duong sat",
    "vu khi",
    "vat lieu no",
    "cong cu ho tro",
    "luat su",
    "cong ty luat",
    "cong chung",
    "thua phat lai",
    "giam dinh tu phap",
    "quan tai vien",
    "trong tai",
    "hoa giai thuong mai",
    "kiem toan",
    "doanh nghiep bao hiem",
    "kinh doanh bao hiem",
    "cai nghien",
    "con nuoi",
    "quoc tich",
    "nguoi co cong",
    "kho bac",
    "quan doi",
    "cong an nhan dan",
    "ra nuoc ngoai",
    "dau khi",
    "xo so",
)


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


_COMPILED = tuple(
    (_phrase_pattern(t.terms), _phrase_pattern(t.context) if t.context else None)
    for t in UNCOVERED_TOPICS
)


def uncovered_terms(folded: str) -> list[str]:
    """The terms of uncovered topics that a folded question names, in order of the topics."""
    found: list[str] = []
    for terms, context in _COMPILED:
        if context is not None and context.search(folded) is None:
            continue
        found.extend(m.group(0) for m in terms.finditer(folded))
    return found


_SECTORS = _phrase_pattern(SPECIALISED_SECTORS)


def specialised_sectors(folded: str) -> frozenset[str]:
    """The specialised sectors a folded text names."""
    return frozenset(m.group(0) for m in _SECTORS.finditer(folded))


# The legal forms of a business, by the folded words that name them. A question about a
# household business wants the household-business procedure, not the enterprise one.
BUSINESS_FORMS: dict[str, tuple[str, ...]] = {
    "household": ("ho kinh doanh",),
    "cooperative": ("hop tac xa",),
    # A cooperative group (tổ hợp tác) is a contract between members, not a cooperative.
    "cooperative_group": ("to hop tac",),
    "enterprise": ("doanh nghiep", "cong ty"),
}
_FORMS = tuple((form, _phrase_pattern(words)) for form, words in BUSINESS_FORMS.items())


def business_forms(folded: str) -> frozenset[str]:
    """The legal forms of business (household, cooperative, enterprise) a folded text names."""
    return frozenset(form for form, pattern in _FORMS if pattern.search(folded) is not None)


# Words that make a sentence about an administrative procedure at all: its acts, its papers,
# its money and its offices. Small talk ("chào bạn", "kết quả bóng đá") names none of them.
PROCEDURE_WORDS: tuple[str, ...] = (
    "thu tuc",
    "ho so",
    "giay to",
    "giay",
    "dang ky",
    "cap",
    "xin",
    "nop",
    "khai",
    "thong bao",
    "de nghi",
    "xac nhan",
    "chung thuc",
    "chung nhan",
    "chung chi",
    "giay phep",
    "phep",
    "the",
    "so",
    "thanh lap",
    "giai the",
    "tam ngung",
    "cham dut",
    "thay doi",
    "dieu chinh",
    "gia han",
    "bo sung",
    "chuyen doi",
    "chuyen nhuong",
    "hoan",
    "thue",
    "phi",
    "le phi",
    "hai quan",
    "bao hiem",
    "hop dong",
    "tham dinh",
    "tham duyet",
    "nghiem thu",
    "kiem dinh",
    "kiem tra",
    "giai quyet",
    "huong",
    "che do",
    "ma so",
    "co quan",
    "uy ban nhan dan",
    "so",
    "phong",
    "cuc",
    "doanh nghiep",
    "cong ty",
    "ho kinh doanh",
    "hop tac xa",
    "chi nhanh",
    "du an",
    "dat",
    "nha",
    "xay dung",
    "register",
    "permit",
    "licence",
    "license",
    "certificate",
    "procedure",
)
_PROCEDURE_WORDS = _phrase_pattern(PROCEDURE_WORDS)


def names_procedure_words(folded: str) -> bool:
    """Whether a folded question uses any word of administrative procedures."""
    return _PROCEDURE_WORDS.search(folded) is not None


# The level of government a text names. Several procedures exist once per level ("... (cấp
# tỉnh)", "... (cấp Bộ)"); a question naming its level wants that one.
LEVELS: dict[str, tuple[str, ...]] = {
    "central": (
        "cap bo",
        "cap trung uong",
        "trung uong",
        "thu tuong",
        "bo cap",
        "do bo",
        "tai bo",
        "o bo",
        "len bo",
    ),
    "province": (
        "cap tinh",
        "uy ban nhan dan tinh",
        "uy ban nhan dan cap tinh",
        "chu tich tinh",
        "tinh cap",
        "do tinh",
        "cong an tinh",
    ),
    "commune": (
        "cap xa",
        "uy ban nhan dan xa",
        "uy ban nhan dan cap xa",
        "chu tich xa",
        "ubnd xa",
        "xa cap",
        "do xa",
        "uy ban nhan dan phuong",
        "ra phuong",
        "cong an xa",
        "cong an phuong",
    ),
}
_LEVELS = tuple((level, _phrase_pattern(words)) for level, words in LEVELS.items())


def government_levels(folded: str) -> frozenset[str]:
    """The levels of government (central, province, commune) a folded text names."""
    return frozenset(level for level, pattern in _LEVELS if pattern.search(folded) is not None)
