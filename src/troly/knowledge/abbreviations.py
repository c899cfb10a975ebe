"""The maintained tables of what people type for what they mean, in folded form.

``ABBREVIATIONS`` maps one folded token to its expansion and is applied to questions and records
alike. ``MISSPELLINGS`` repairs common phrase-level spelling variants.
"""

from __future__ import annotations

# Folded (no diacritics, đ -> d) abbreviation -> folded expansion. Only unambiguous ones:
# "cn" (cá nhân / chi nhánh / công nghiệp) or "nd" (nội dung / nghị định) are left alone.
ABBREVIATIONS: dict[str, str] = {
    # Business and registration.
    "dn": "doanh nghiep",
    "dnnn": "doanh nghiep nha nuoc",
    "dntn": "doanh nghiep tu nhan",
    "cty": "cong ty",
    "tnhh": "trach nhiem huu han",
    "mtv": "mot thanh vien",
    "cp": "co phan",
    "ctcp": "cong ty co phan",
    "hkd": "ho kinh doanh",
    "htx": "hop tac xa",
    "thx": "to hop tac",
    "vpdd": "van phong dai dien",
    "dkkd": "dang ky kinh doanh",
    "dkdn": "dang ky doanh nghiep",
    "dkdt": "dang ky dau tu",
    "dk": "dang ky",
    "dki": "dang ky",
    "kd": "kinh doanh",
    "gcn": "giay chung nhan",
    "gcndkdn": "giay chung nhan dang ky doanh nghiep",
    "gcndkkd": "giay chung nhan dang ky kinh doanh",
    "gcndkdt": "giay chung nhan dang ky dau tu",
    "gp": "giay phep",
    "gpkd": "giay phep kinh doanh",
    "gpxd": "giay phep xay dung",
    "gplx": "giay phep lai xe",
    "cchn": "chung chi hanh nghe",
    "mst": "ma so thue",
    "dtnn": "dau tu nuoc ngoai",
    "ndt": "nha dau tu",
    "fdi": "dau tu nuoc ngoai",
    "xnk": "xuat nhap khau",
    "xk": "xuat khau",
    "nk": "nhap khau",
    "tthc": "thu tuc hanh chinh",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "qd": "quyet dinh",
    "cq": "co quan",
    "cqnn": "co quan nha nuoc",
    "pl": "phap luat",
    "nc": "nuoc",
    "hq": "hai quan",
    "txtn": "tam xuat tai nhap",
    "tntx": "tam nhap tai xuat",
    "sx": "san xuat",
    "antt": "an ninh trat tu",
    "gpmt": "giay phep moi truong",
    "tnld": "tai nan lao dong",
    "bnn": "benh nghe nghiep",
    "cccd": "can cuoc cong dan",
    "gtvt": "giao thong van tai",
    "ccn": "cum cong nghiep",
    "kcn": "khu cong nghiep",
    "kkt": "khu kinh te",
    # Land and construction.
    "qsdd": "quyen su dung dat",
    "qsd": "quyen su dung",
    "sdd": "su dung dat",
    "bds": "bat dong san",
    "xd": "xay dung",
    "dtm": "danh gia tac dong moi truong",
    # Tax, insurance, labour.
    "bhxh": "bao hiem xa hoi",
    "bhyt": "bao hiem y te",
    "bhtn": "bao hiem that nghiep",
    "gpld": "giay phep lao dong",
    "hddt": "hoa don dien tu",
    "gtgt": "gia tri gia tang",
    "tncn": "thu nhap ca nhan",
    "tndn": "thu nhap doanh nghiep",
    "ttdb": "tieu thu dac biet",
    "nld": "nguoi lao dong",
    "nv": "nhan vien",
    "tk": "tai khoan",
    # Safety.
    "pccc": "phong chay chua chay",
    "attp": "an toan thuc pham",
    "atvsld": "an toan ve sinh lao dong",
    # Chat shorthand.
    "hs": "ho so",
    "ko": "khong",
    "k": "khong",
    "kh": "khong",
    "hok": "khong",
    "dc": "duoc",
    "j": "gi",
    "ntn": "nhu the nao",
    "bn": "bao nhieu",
    "bnhieu": "bao nhieu",
    "vs": "voi",
    "hnay": "hom nay",
    "mk": "minh",
    "oto": "o to",
}

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
