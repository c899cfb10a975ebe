"""Topics of the ministries the knowledge base does not cover, and the words that name them.

The bundled records come from six ministries and the State Bank; the data README lists what
is *not* covered (Bộ Y tế, Bộ Công Thương, labour of Bộ Nội vụ, culture and tourism,
education, science and technology with information and communications, foreign affairs). A
question naming one of these topics is very likely out of scope even when its generic words
("cấp", "giấy phép", "chứng chỉ hành nghề") match a record. This is a maintained lexicon,
written per ministry from the procedures those ministries administer (their catalogues on the
National Public Service Portal and their sector laws), not from question sets; every term was
checked against the records' names, fields and agencies, and words that covered records use
are left out or bound to a context. It feeds the in-scope model as one piece of evidence.
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


# The lexicon is grouped by the ministry that administers each topic, and written from that
# ministry's procedure catalogue on the National Public Service Portal and its sector laws
# (Luật Thương mại, Luật Điện lực, Luật Dược, Luật Khám bệnh chữa bệnh, Bộ luật Lao động,
# Luật Du lịch, Luật Quảng cáo, Luật Giáo dục, Luật Sở hữu trí tuệ, Luật Viễn thông, Luật Báo
# chí...), in the words people use for them, official and everyday. A term that a covered
# record's name also uses stays out, or is bound to a context that makes the uncovered sense
# clear (tests/test_domains.py checks that no context-free term occurs in a record's name).
# Left out because covered records use them: karaoke, vũ trường, massage and hotels (security
# and fire-safety certificates of Bộ Công an), "xăng dầu" and "hóa chất" alone (customs),
# "vật liệu nổ công nghiệp" and "tiền chất thuốc nổ" (transport permits of Bộ Công an),
# "thuốc thú y", "vắc xin", "phân bón" (agriculture), "vàng trang sức" (State Bank), "công bố
# hợp quy" (construction materials), "kiểm định kỹ thuật an toàn lao động", "thi đua khen
# thưởng", "hộ nghèo", "tôn giáo", "trò chơi điện tử có thưởng" (all have covered records),
# "đào tạo" (driving schools), "thể thao" (sporting weapons), "di sản" (inheritance).
_SELLING = (
    "kinh doanh",
    "ban le",
    "ban buon",
    "dai ly",
    "phan phoi",
    "cua hang",
    "san xuat",
    "giay phep",
    "cap phep",
    "xin phep",
    "ban ruou",
    "ban bia",
    "ban thuoc la",
    "ban them",
    "muon ban",
    "duoc ban",
)
_LICENSING = ("dang ky", "thong bao", "cap phep", "xin phep", "giay phep", "giay chung nhan")

UNCOVERED_TOPICS: tuple[Topic, ...] = (
    # --- Bộ Công Thương ---------------------------------------------------------------------
    Topic(
        "industry and trade (Bộ Công Thương)",
        (
            # trade promotion, fairs, franchising, multi-level selling
            "khuyen mai",
            "xuc tien thuong mai",
            "hoi cho thuong mai",
            "trien lam thuong mai",
            "to chuc hoi cho",
            "kinh doanh theo phuong thuc da cap",
            # retail and distribution licences for foreign-invested traders
            "giay phep kinh doanh ban le",
            "giay phep kinh doanh ban buon",
            "giay phep lap co so ban le",
            "van phong dai dien thuong mai",
            "van phong dai dien cua thuong nhan nuoc ngoai",
            "chi nhanh cua thuong nhan nuoc ngoai",
            "nhap khau tu dong",
            "c o form",
            "han ngach thue quan",
            # electricity and energy
            "hoat dong dien luc",
            "mua ban dien",
            "dien mat troi",
            "dien ap mai",
            "nha may dien",
            "phat dien",
            "truyen tai dien",
            "phan phoi dien",
            "tiet kiem nang luong",
            "kiem toan nang luong",
            # petroleum, gas, chemicals, industrial explosives (licences, not transport)
            "ban le xang dau",
            "tong dai ly xang dau",
            "thuong nhan phan phoi xang dau",
            "thuong nhan dau moi xang dau",
            "lpg",
            "khi hoa long",
            "khi dau mo hoa long",
            "chiet nap",
            "kinh doanh hoa chat",
            "san xuat hoa chat",
            "khai bao hoa chat",
            "su co hoa chat",
            "hoa chat han che",
            "tien chat cong nghiep",
            "su dung vat lieu no",
            "kinh doanh vat lieu no",
            # competition, consumers, market surveillance
            "tap trung kinh te",
            "chong ban pha gia",
            "tu ve thuong mai",
            "hang nhai",
            "hang gia mao",
            "bao ve nguoi tieu dung",
            "hop dong theo mau",
            "dieu kien giao dich chung",
            "so giao dich hang hoa",
            "quan ly thi truong",
            "khuyen cong",
            "cong nghiep ho tro",
            "cong thuong",
        ),
    ),
    # Alcohol and tobacco: the records name them for tax stamps and duty-free allowances, so
    # they only count next to a word of selling or making them.
    Topic(
        "alcohol and tobacco trade (Bộ Công Thương)",
        ("ruou", "bia", "thuoc la", "xi ga"),
        context=_SELLING,
    ),
    # Tax records name the income from franchising, multi-level selling and e-commerce
    # platforms; the licences and registrations of Bộ Công Thương need a word of licensing.
    Topic(
        "franchising, multi-level selling and e-commerce registration (Bộ Công Thương)",
        (
            "nhuong quyen thuong mai",
            "ban hang da cap",
            "kinh doanh da cap",
            "thuong mai dien tu",
            "tmdt",
            "website ban hang",
            "ung dung ban hang",
        ),
        context=_LICENSING,
    ),
    # Retail premises: a farm producer "selling to a supermarket" asks about food safety.
    Topic(
        "retail premises (Bộ Công Thương)",
        ("sieu thi", "trung tam thuong mai", "cua hang tien loi"),
        context=("mo", "thanh lap", "kinh doanh", "xay dung", "giay phep"),
    ),
    # Customs records name foreign traders (goods held for them) and fire safety covers
    # petrol stations: the trade licence needs its own words.
    Topic(
        "trade licences of foreign traders and petrol stations (Bộ Công Thương)",
        ("thuong nhan nuoc ngoai", "cua hang xang dau", "cay xang"),
        context=(
            "van phong dai dien",
            "chi nhanh",
            "ban le",
            "du dieu kien ban",
            "giay phep kinh doanh",
            "cong thuong",
        ),
    ),
    # Customs has pre-determination and "trừ lùi" of origin for imports; C/O for exports is
    # issued by Bộ Công Thương.
    Topic(
        "certificates of origin for exports (Bộ Công Thương)",
        ("giay chung nhan xuat xu", "chung nhan xuat xu", "c o"),
        context=("xuat khau", "xuat sang", "hang xuat", "lo hang xuat"),
    ),
    # --- Bộ Y tế ----------------------------------------------------------------------------
    # Health insurance (BHYT) cards and payments are social-insurance records, so "khám chữa
    # bệnh" and "y tế" alone are not here; the practice licences and facilities are.
    Topic(
        "health (Bộ Y tế)",
        (
            # practitioners and medical facilities
            "hanh nghe kham benh",
            "co so kham benh",
            "giay phep hoat dong kham benh",
            "bac si",
            "bac sy",
            "y si",
            "y sy",
            "y ta",
            "dieu duong",
            "ho sinh",
            "ky thuat vien y",
            "luong y",
            "thay thuoc",
            "phong chan tri",
            "y hoc co truyen",
            "phong kham",
            "benh vien",
            "tram y te",
            "trung tam y te",
            "nha khoa",
            "tham my vien",
            "phau thuat tham my",
            "dich vu tham my",
            "phun xam",
            "xet nghiem",
            "kham suc khoe",
            "vat ly tri lieu",
            "phuc hoi chuc nang",
            "mang thai ho",
            "ho tro sinh san",
            # pharmacy, cosmetics, medical devices
            "nha thuoc",
            "quay thuoc",
            "hieu thuoc",
            "thuoc tay",
            "thuoc dong y",
            "thuoc nam",
            "duoc si",
            "duoc sy",
            "hanh nghe duoc",
            "kinh doanh duoc",
            "dang ky luu hanh thuoc",
            "thuoc gay nghien",
            "thuoc huong than",
            "gpp",
            "gsp",
            "my pham",
            "thiet bi y te",
            "vat tu y te",
            "khau trang y te",
            # preventive medicine
            "tiem chung",
            "y te du phong",
            "kiem dich y te",
            "benh truyen nhiem",
            "che pham diet con trung",
            # food products registered with the health sector
            "thuc pham chuc nang",
            "thuc pham bao ve suc khoe",
            "thuc pham bo sung",
            "thuc pham dinh duong y hoc",
            "sua cong thuc",
            "nuoc dong chai",
            "nuoc uong dong chai",
            "nuoc khoang",
            "phu gia thuc pham",
            "tu cong bo san pham",
            "ban tu cong bo",
            "so y te",
            "bo y te",
            "nganh y te",
            "ben y te",
        ),
    ),
    # Agriculture certifies the food safety of farm, forest and fishery products; eateries,
    # kitchens and drinks are the health sector's, once food safety is named.
    Topic(
        "food safety of the health sector",
        (
            "y te",
            "quan an",
            "nha hang",
            "bep an",
            "an uong",
            "thuc an duong pho",
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
            "kien thuc an toan thuc pham",
        ),
        context=("an toan thuc pham", "ve sinh thuc pham", "ve sinh an toan thuc pham", "attp"),
    ),
    # A seed record names varieties "tự công bố lưu hành"; a food product's self-declaration
    # belongs to the health sector (or Bộ Công Thương) once food is named.
    Topic(
        "self-declared food products (Bộ Y tế)",
        ("tu cong bo",),
        context=("thuc pham", "sp", "do uong", "banh", "keo", "bao bi", "dong goi"),
    ),
    # --- Bộ Nội vụ: labour and employment ---------------------------------------------------
    # Covered: social insurance (including work-accident benefits), labour-safety inspection
    # bodies, the police's own hiring ("tuyển lao động hợp đồng"), income tax on wages.
    Topic(
        "labour and employment (Bộ Nội vụ)",
        (
            "giay phep lao dong",
            "lao dong nuoc ngoai",
            "nguoi nuoc ngoai lam viec",
            "nguoi nuoc ngoai vao lam",
            "nguoi nuoc ngoai di lam",
            "lao dong la nguoi nuoc ngoai",
            "tuyen nguoi nuoc ngoai",
            "tuyen dung nguoi nuoc ngoai",
            "giay phep lam viec",
            "hop dong lao dong",
            "noi quy lao dong",
            "thang luong",
            "bang luong",
            "luong toi thieu",
            "dich vu viec lam",
            "gioi thieu viec lam",
            "trung tam viec lam",
            "san giao dich viec lam",
            "xuat khau lao dong",
            "di lam viec o nuoc ngoai",
            "cho thue lai lao dong",
            "thoa uoc lao dong",
            "thuong luong tap the",
            "tranh chap lao dong",
            "hoa giai vien lao dong",
            "kinh phi cong doan",
            "thu viec",
            "tro cap thoi viec",
            "tro cap mat viec",
            "sa thai",
            "ky luat lao dong",
            "an toan ve sinh lao dong",
            "huan luyen an toan lao dong",
            "lam them gio",
            "gio lam them",
            "nghi phep nam",
            "lao dong chua thanh nien",
            "bao cao tinh hinh su dung lao dong",
            "bao cao su dung lao dong",
            "khai trinh su dung lao dong",
            "so lao dong",
            "bo lao dong",
            "lao dong thuong binh",
            "bao tro xa hoi",
            "tro giup xa hoi",
            "nha duong lao",
            "vien duong lao",
        ),
    ),
    # A social-housing record names trade-union members; the union itself needs its context.
    Topic(
        "trade unions (Bộ Nội vụ)",
        ("cong doan",),
        context=("thanh lap", "kinh phi", "dong", "gia nhap", "to chuc", "co so"),
    ),
    # --- Bộ Văn hóa, Thể thao và Du lịch ----------------------------------------------------
    # Covered: security certificates of karaoke, bars and hotels; Bộ Công an's approval of
    # international tours to border areas ("lữ hành quốc tế"); billboard construction.
    Topic(
        "culture, sports and tourism",
        (
            "nghe thuat bieu dien",
            "to chuc bieu dien",
            "giay phep bieu dien",
            "chuong trinh nghe thuat",
            "ca nhac",
            "le hoi",
            "hoa hau",
            "nguoi dep",
            "nguoi mau",
            "lu hanh noi dia",
            "kinh doanh lu hanh",
            "cong ty du lich",
            "tour du lich",
            "huong dan vien du lich",
            "the huong dan vien",
            "co so luu tru du lich",
            "homestay",
            "hang sao",
            "so du lich",
            "bang quang cao",
            "bang bien quang cao",
            "bang ron",
            "pano",
            "di tich",
            "co vat",
            "di vat",
            "thu vien",
            "my thuat",
            "nhiep anh",
            "dien anh",
            "chieu phim",
            "san xuat phim",
            "phong gym",
            "phong tap",
            "the hinh",
            "yoga",
            "vo thuat",
            "be boi",
            "van hoa pham",
            "ban nhac",
            "giay phep kinh doanh karaoke",
            "so van hoa",
            "bo van hoa",
            "bao luc gia dinh",
        ),
    ),
    # Records name advertising of veterinary drugs and seeds, and the building of billboards;
    # an advertising permit of the culture sector is named with what is advertised.
    Topic(
        "advertising (Bộ Văn hóa, Thể thao và Du lịch)",
        ("quang cao",),
        context=(
            "bang ron",
            "to roi",
            "bien hieu",
            "bang hieu",
            "san pham quang cao",
            "dang ky quang cao",
            "dich vu quang cao",
            "dang bao",
            "tren bao",
            "bao chi",
            "truyen hinh",
            "mang xa hoi",
        ),
    ),
    # Grading of tourist accommodation; credit rating ("xếp hạng tín nhiệm") is covered.
    Topic(
        "grading of tourist accommodation (Bộ Văn hóa, Thể thao và Du lịch)",
        ("xep hang", "cong nhan hang"),
        context=("khach san", "co so luu tru", "nha nghi", "resort", "homestay", "du lich"),
    ),
    # "Thi đấu biểu diễn" of animals at fairs and weapons "trưng bày nghệ thuật" are covered.
    Topic(
        "performing arts (Bộ Văn hóa, Thể thao và Du lịch)",
        ("bieu dien", "nghe thuat"),
        context=("ca si", "dien vien", "san khau", "chuong trinh", "ca nhac", "nghe si"),
    ),
    # --- Bộ Giáo dục và Đào tạo (and vocational training) ----------------------------------
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
            "cao dang",
            "trung cap",
            "giao duc",
            "ngoai ngu",
            "day them",
            "hoc them",
            "du hoc",
            "hoc sinh",
            "van bang",
            "bang tot nghiep",
            "day nghe",
            "truong nghe",
            "trung tam dao tao nghe",
            "lien ket dao tao",
            "truong tu thuc",
            "trung tam tin hoc",
            "chung chi tin hoc",
            "ielts",
            "toeic",
            "ky nang song",
            "lop nang khieu",
            "gia su",
            "day kem",
            "giang day",
            "giao trinh",
            "sach giao khoa",
            "hoc bong",
        ),
    ),
    # A JICA loan names a university project and "ngoại giao viên chức" folds to "giao vien".
    Topic(
        "education words that covered names contain by accident",
        ("dai hoc", "giao vien"),
        context=("truong", "lop", "day", "hoc", "giang", "tuyen", "chung chi", "bang"),
    ),
    # --- Bộ Khoa học và Công nghệ (now with information and communications) -----------------
    Topic(
        "science, technology, intellectual property and telecoms",
        (
            "nhan hieu",
            "thuong hieu",
            "sang che",
            "kieu dang",
            "giai phap huu ich",
            "cuc so huu tri tue",
            "logo",
            "gs1",
            "tieu chuan co so",
            "hop chuan",
            "phuong tien do",
            "hieu chuan",
            "de tai khoa hoc",
            "buc xa",
            "nang luong nguyen tu",
            "x quang",
            "nguon phong xa",
            "quyen tac gia",
            "chi dan dia ly",
            "ma vach",
            "do luong",
            "vien thong",
            "tan so",
            "ten mien",
            "can dien tu",
            "chu ky so",
            "website",
            "mang xa hoi",
            "chuyen giao cong nghe",
            "doanh nghiep khoa hoc va cong nghe",
            "trang thong tin dien tu tong hop",
            "so khoa hoc",
            "bo khoa hoc",
            "bao chi",
            "tap chi",
            "nha xuat ban",
            "co so in",
            "truyen hinh",
            "phat thanh",
            "game",
            "tro choi truc tuyen",
            "g1",
            "nha bao",
            "phong vien",
            "ban tin",
            "xuat ban pham",
            "nha sach",
            "may photocopy",
            "dich vu photocopy",
            "giay phep buu chinh",
            "so thue bao",
            "dau so",
            "dai ly internet",
            "diem truy cap internet",
            "tiem net",
            "quan net",
            "hosting",
            "dien toan dam may",
            "trang tin",
            "so thong tin",
            "thong tin va truyen thong",
        ),
    ),
    # Customs suspends goods that infringe intellectual property and tax records name
    # royalties ("phí bản quyền"); an IP title needs its own words.
    Topic(
        "intellectual property titles (Bộ Khoa học và Công nghệ)",
        ("so huu tri tue", "ban quyen"),
        context=("bao ho", "van bang", "tac gia", "tac pham", "nhan hieu", "sang che", "dang ky"),
    ),
    # Quality-management certificates; a food-testing lab record names "TCVN ISO/IEC 17025".
    Topic(
        "standards and quality certification (Bộ Khoa học và Công nghệ)",
        ("iso",),
        context=("chung nhan iso", "iso 9001", "iso 14001", "iso 22000", "chung chi iso"),
    ),
    # Crude-oil tax records say "xuất bán" (sold off); publishing needs a word of books.
    Topic(
        "publishing (Bộ Văn hóa, Thể thao và Du lịch)",
        ("xuat ban",),
        context=("sach", "an pham", "giay phep xuat ban", "in an", "phat hanh"),
    ),
    # "Thông báo tăng" folds to "... bao tang"; a museum is named with its exhibits.
    Topic(
        "museums (Bộ Văn hóa, Thể thao và Du lịch)",
        ("bao tang",),
        context=("hien vat", "co vat", "tu nhan", "ngoai cong lap", "trung bay", "bo suu tap"),
    ),
    # Prize games for foreigners are a covered Finance licence; online games are not.
    Topic(
        "online games (Bộ Khoa học và Công nghệ)",
        ("tro choi dien tu",),
        context=("truc tuyen", "online", "g1", "phat hanh tro choi"),
    ),
    # --- Bộ Ngoại giao ----------------------------------------------------------------------
    Topic(
        "consular affairs (Bộ Ngoại giao)",
        ("hop phap hoa", "chung nhan lanh su", "hoi thao quoc te", "hoi nghi quoc te"),
    ),
    # --- Bộ Nội vụ: associations and funds --------------------------------------------------
    # Investment and securities funds are covered ("thành lập quỹ"); charity funds are not.
    Topic(
        "social and charity funds (Bộ Nội vụ)",
        ("quy xa hoi", "quy tu thien"),
    ),
)


def lexicon_words() -> frozenset[str]:
    """Every word of the uncovered topics' terms and contexts.

    They are real words even where no record uses them: a question typed without marks keeps
    them as typed ("ca nhac" is not corrected into the records' "ca nhan").
    """
    return frozenset(
        word
        for topic in UNCOVERED_TOPICS
        for phrase in (*topic.terms, *topic.context)
        for word in phrase.split()
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
    return frozenset(
        m.group(0)
        for m in _SECTORS.finditer(folded)
        # "hải quan đối với" folds to "hai quan doi voi": customs, not the army (quân đội).
        if not (m.group(0) == "quan doi" and folded[: m.start()].endswith("hai "))
    )


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
