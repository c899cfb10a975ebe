"""What business owners call a procedure: everyday names, per record.

The portal's names are legal titles ("Đăng ký thành lập hộ kinh doanh"); people ask for "giấy
phép kinh doanh cá thể". These names were written per record from the record itself (its
name, field, who may use it, its documents and results) — never from a question set — for
the business-relevant records carried out at province or commune level, the ones a business
owner of the province actually meets. They are matched like the records' results and field
(a secondary field of the index, and words the record explains), never like the legal name.
"""

from __future__ import annotations

# Record code -> everyday names (Vietnamese, with diacritics; folded when the index is built).
ALIASES: dict[str, tuple[str, ...]] = {
    "1.001612": (
        "giấy phép kinh doanh cá thể",
        "giấy phép kinh doanh hộ gia đình",
        "mở cửa hàng kinh doanh nhỏ",
        "đăng ký kinh doanh cá thể",
    ),
}
