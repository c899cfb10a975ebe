"""Bilingual glossary and everyday-word synonyms, both in folded form (data files, TSV).

``ENGLISH`` lets foreign investors ask in English; ``SYNONYMS`` maps what business owners say
("mở công ty", "sổ đỏ", "nhân viên") to the words the procedure records use. Both only *add*
terms to a question: the question's own words always count first.
"""

from __future__ import annotations

from typing import Final

from troly.knowledge.vocabulary import read_pairs

# English phrase -> folded Vietnamese, from knowledge/data/glossary_en.tsv. Longest phrases are
# matched first.
ENGLISH: Final[dict[str, str]] = read_pairs("glossary_en.tsv")

# English words that carry no procedure meaning.
ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "and",
        "or",
        "my",
        "our",
        "your",
        "we",
        "i",
        "you",
        "me",
        "how",
        "what",
        "which",
        "when",
        "where",
        "who",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "need",
        "needs",
        "required",
        "requirements",
        "requirement",
        "get",
        "obtain",
        "apply",
        "please",
        "tell",
        "about",
        "under",
        "into",
        "as",
        "so",
        "much",
        "many",
        "long",
        "cost",
        "fee",
        "fees",
        "documents",
        "document",
        "steps",
        "step",
        "procedure",
        "procedures",
        "process",
        "take",
        "takes",
        "there",
        "here",
        "any",
        "some",
        # Function words that Telex repair or typo correction would otherwise read as
        # Vietnamese syllables or abbreviations ("new" -> "neu", "must" -> "mst").
        "us",
        "they",
        "their",
        "them",
        "he",
        "she",
        "his",
        "her",
        "will",
        "must",
        "may",
        "might",
        "shall",
        "have",
        "has",
        "had",
        "having",
        "want",
        "wants",
        "new",
        "newly",
        "also",
        "just",
        "still",
        "then",
        "than",
        "if",
        "whether",
        "because",
        "after",
        "before",
        "now",
        "already",
        "all",
        "only",
        "own",
        "other",
        "more",
        "not",
        "no",
        "yes",
        "up",
        "out",
        "per",
        "via",
        "allowed",
        "possible",
        "able",
        "going",
        "make",
        "use",
        "used",
        "using",
        "needed",
        "help",
        "know",
        "like",
        "why",
        "whom",
        "whose",
        "am",
    ]
)

# Everyday phrase (folded) -> the records' words (folded), from knowledge/data/synonyms.tsv.
# Added to the question, not replacing.
SYNONYMS: Final[dict[str, str]] = read_pairs("synonyms.tsv")

# Everyday sentence shapes (folded regexes) -> the records' words, added like SYNONYMS:
# "chuyển công ty TNHH thành công ty cổ phần" is a conversion (chuyển đổi).
PATTERN_SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"\bchuyen (?:[a-z0-9]+ ){1,8}thanh\b", "chuyen doi"),
    (r"\bvay (?:[a-z0-9]+ ){0,4}nuoc ngoai\b", "khoan vay nuoc ngoai"),
    # Selling one's share of a company is a transfer of contributed capital.
    (r"\bban (?:lai |het )?(?:phan |so )?(?:von gop|gop von|von)\b", "chuyen nhuong von gop"),
    # A company vouching for a foreigner's visa asks for it "theo đề nghị của cơ quan, tổ chức".
    (
        r"\bbao lanh (?:[a-z0-9]+ ){0,3}(?:visa|evisa|thi thuc)\b",
        "thi thuc theo de nghi cua co quan to chuc",
    ),
    # "tiệm" is a small shop, a household business; "tiêm chủng/phòng" is a vaccination.
    (r"\btiem\b(?! (?:chung|phong|thuoc|vac))", "ho kinh doanh"),
    (r"\bdoi (?:[a-z0-9]+ ){1,8}(?:thanh|sang)\b", "chuyen doi"),
    # "đổi giấy/thẻ/sổ/bằng" alone (not "thay đổi", "chuyển đổi") is the re-issue "cấp đổi".
    (r"(?<!thay )(?<!chuyen )(?<!cap )\bdoi (?:giay|the|so|bang|bien)\b", "cap doi"),
    # An employer settling its staff's income tax files for "tiền lương, tiền công" it paid.
    (
        r"\bquyet toan (?:[a-z]+ ){0,6}(?:cho|thay) (?:ca |cac )?(?:nhan vien|nguoi lao dong)\b",
        "to chuc tra thu nhap tu tien luong tien cong",
    ),
    (
        r"\bthue (?:[a-z]+ ){0,4}(?:thay|thay cho) (?:nhan vien|nguoi lao dong)\b",
        "to chuc tra thu nhap tu tien luong tien cong",
    ),
    # The social insurance fund "paying" a worker is a benefit claim (giải quyết hưởng chế độ).
    (
        r"\b(?:bao hiem xa hoi|bhxh|bao hiem) (?:chi tra|tra tien|tra|thanh toan)\b",
        "giai quyet huong che do",
    ),
    # A mortgage on land or on a vehicle is a security registration over that kind of asset.
    (
        r"\bthe chap (?:[a-z]+ ){0,2}(?:so do|so hong|dat|nha)\b",
        "bien phap bao dam bang quyen su dung dat tai san gan lien voi dat",
    ),
    (
        r"\bthe chap (?:[a-z]+ ){0,2}(?:xe|o to|may moc|hang hoa|tau ca)\b",
        "bien phap bao dam bang dong san",
    ),
    # A lost original paper is re-issued: "mất (bản gốc) giấy phép" (not "mất phí").
    (r"\bmat (?:ban goc |ban chinh )?(?:giay|the|so|bang|con dau)\b", "cap lai"),
    # Goods crossing Vietnam to a third country are goods in transit.
    (r"\bhang (?:[a-z]+ ){0,4}qua canh\b", "hang hoa qua canh"),
    # A foreign car driven across the border: the customs of vehicles leaving and entering.
    (
        r"\b(?:o to|xe may|xe) (?:[a-z]+ ){0,2}(?:tam nhap|tu lao|tu campuchia|tu trung quoc"
        r"|sang lao|sang campuchia|qua bien gioi|qua cua khau)\b",
        "o to xe gan may xuat canh nhap canh",
    ),
    # Carrying chemicals, acid, fuel or gas is the carriage of dangerous goods.
    (
        r"\b(?:cho|van chuyen) (?:[a-z]+ ){0,2}(?:hoa chat|axit|xang dau|khi gas|gas|thuoc no)\b",
        "van chuyen hang hoa nguy hiem",
    ),
    # A bank pledging bonds to the central bank for a loan is refinancing against valuable papers.
    (
        r"\b(?:cam co (?:[a-z]+ ){0,3}(?:trai phieu|giay to co gia|tin phieu)"
        r"|(?:trai phieu|tin phieu) (?:[a-z]+ ){0,4}cam co)\b",
        "cam co giay to co gia",
    ),
    (
        r"\b(?:vay (?:[a-z]+ ){0,3}ngan hang nha nuoc|ngan hang nha nuoc (?:[a-z]+ ){0,2}vay)\b",
        "vay tai cap von",
    ),
)
