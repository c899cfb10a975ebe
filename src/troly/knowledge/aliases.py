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
    # --- Thành lập và hoạt động doanh nghiệp -------------------------------------------------
    "2.001583": ("mở công ty một thành viên", "thành lập công ty trách nhiệm hữu hạn một chủ"),
    "2.001199": ("mở công ty hai thành viên", "thành lập công ty góp vốn với bạn bè"),
    "2.002043": ("mở công ty cổ phần",),
    "2.001610": ("mở doanh nghiệp tư nhân",),
    "2.002018": (
        "xin lại giấy phép kinh doanh công ty bị mất",
        "làm lại giấy đăng ký doanh nghiệp bị cháy",
    ),
    "2.002017": ("đổi giấy phép kinh doanh cũ sang mẫu mới",),
    "2.002015": ("bổ sung thông tin còn thiếu của công ty",),
    "2.002016": ("sửa thông tin sai trên giấy đăng ký doanh nghiệp",),
    "2.002023": ("giải thể công ty", "dẹp công ty không làm nữa"),
    "2.002029": (
        "tạm ngừng kinh doanh công ty",
        "tạm nghỉ kinh doanh một thời gian",
        "xin cho công ty hoạt động lại sớm",
    ),
    "2.002069": (
        "mở chi nhánh công ty",
        "mở văn phòng đại diện",
        "mở thêm địa điểm kinh doanh của công ty",
    ),
    "2.002045": ("đổi địa chỉ chi nhánh", "đổi người đứng đầu chi nhánh"),
    "2.002020": ("đóng chi nhánh công ty", "đóng văn phòng đại diện", "đóng địa điểm kinh doanh"),
    "2.002011": (
        "đổi giám đốc công ty",
        "thay người đại diện theo pháp luật",
        "thay đổi thành viên góp vốn công ty",
    ),
    "2.002009": ("tăng vốn điều lệ công ty", "giảm vốn điều lệ công ty"),
    "2.002041": (
        "chuyển địa chỉ công ty",
        "đổi tên công ty",
        "bổ sung ngành nghề kinh doanh",
        "thêm ngành nghề cho công ty",
    ),
    "2.002033": ("chuyển công ty một thành viên sang hai thành viên",),
    "2.002034": ("chuyển công ty trách nhiệm hữu hạn sang cổ phần",),
    "2.002032": ("chuyển doanh nghiệp tư nhân thành công ty",),
    "2.001999": ("chuyển hộ kinh doanh lên doanh nghiệp", "nâng hộ kinh doanh thành công ty"),
    "1.010010": ("rút hồ sơ đăng ký doanh nghiệp đã nộp",),
    "1.005464": ("hỗ trợ tiền thuê luật sư cho doanh nghiệp nhỏ",),
    # --- Hộ kinh doanh --------------------------------------------------------------------------
    "1.001612": (
        "giấy phép kinh doanh cá thể",
        "giấy phép kinh doanh hộ gia đình",
        "mở cửa hàng kinh doanh nhỏ",
        "đăng ký kinh doanh cá thể",
    ),
    "1.001266": (
        "đóng hộ kinh doanh",
        "giải thể hộ kinh doanh",
    ),
    "2.000575": (
        "xin lại giấy phép kinh doanh cá thể bị mất",
        "làm lại giấy đăng ký hộ kinh doanh bị rách",
    ),
    "1.001570": (
        "tạm nghỉ bán hộ kinh doanh",
        "tạm ngừng kinh doanh cá thể",
    ),
    "2.000720": (
        "đổi địa chỉ hộ kinh doanh",
        "thêm ngành nghề hộ kinh doanh",
        "đổi chủ hộ kinh doanh",
    ),
    "1.014034": ("sửa thông tin sai giấy đăng ký hộ kinh doanh",),
    # --- Tổ hợp tác, hợp tác xã -----------------------------------------------------------------
    "1.005280": (
        "mở hợp tác xã",
        "lập hợp tác xã nông nghiệp",
        "chuyển tổ hợp tác lên hợp tác xã",
    ),
    "2.002637": ("lập tổ hợp tác sản xuất",),
    "2.002641": ("tạm ngừng hoạt động hợp tác xã",),
    "1.005277": (
        "đổi tên hợp tác xã",
        "thay giám đốc hợp tác xã",
        "đổi địa chỉ hợp tác xã",
        "tăng vốn điều lệ hợp tác xã",
    ),
    "2.002638": ("xin lại giấy chứng nhận hợp tác xã bị mất",),
    "1.004901": ("đổi giấy chứng nhận hợp tác xã sang mẫu mới",),
    "2.002123": ("mở chi nhánh hợp tác xã",),
    "1.005010": ("đóng chi nhánh hợp tác xã",),
    "2.002642": ("giải thể tổ hợp tác",),
    "2.002668": ("xin nhà nước hỗ trợ hợp tác xã",),
    # --- Thuế ----------------------------------------------------------------------------------
    "1.008603": ("nộp phí nước thải", "kê khai phí nước thải"),
    "1.013040": ("nộp phí khí thải",),
    "1.008565": (
        "xin lại tiền thuế nộp thừa",
        "hoàn tiền thuế nộp dư",
        "bù trừ tiền thuế nộp thừa",
    ),
    "1.014979": ("hộ kinh doanh xin lại tiền thuế nộp thừa",),
    "1.010343": ("gửi dữ liệu hóa đơn cho cơ quan thuế",),
    "1.007607": ("đóng mã số thuế", "khóa mã số thuế", "hủy mã số thuế"),
    "1.008501": ("xin lại giấy chứng nhận mã số thuế bị mất",),
    "1.010339": ("mua hóa đơn lẻ", "xin cấp hóa đơn lẻ từng lần"),
    "1.008513": ("xin lùi hạn nộp tờ khai thuế",),
    "1.008590": ("xin lùi hạn nộp thuế",),
    "3.000083": ("giảm thuế thu nhập cá nhân do thiên tai",),
    "1.007037": ("xin hoàn thuế giá trị gia tăng",),
    "1.007277": (
        "nộp lệ phí trước bạ nhà đất",
        "đóng trước bạ khi sang tên sổ đỏ",
        "miễn lệ phí trước bạ nhà đất",
    ),
    "1.007700": ("nộp trước bạ xe ô tô", "đóng lệ phí trước bạ xe máy"),
    "1.007699": ("nộp trước bạ tàu cá",),
    "1.008309": ("quyết toán thuế thu nhập cá nhân cho nhân viên",),
    "1.008346": (
        "quyết toán thuế thu nhập doanh nghiệp cuối năm",
        "quyết toán thuế năm của công ty",
    ),
    "1.007014": (
        "khai thuế giá trị gia tăng hàng tháng",
        "nộp tờ khai thuế giá trị gia tăng theo quý",
    ),
    "1.007674": (
        "nộp thuế khi bán nhà đất",
        "thuế thu nhập cá nhân khi bán đất",
        "thuế nhận thừa kế nhà đất",
    ),
    "2.002235": (
        "khai thuế thu nhập cá nhân lương nhân viên",
        "khấu trừ thuế lương nhân viên",
    ),
    "1.011022": (
        "khai thuế hộ kinh doanh",
        "nộp thuế hộ kinh doanh",
        "thuế khoán hộ kinh doanh",
        "đóng thuế cửa hàng cá thể",
    ),
    "1.011021": ("công ty khai thuế thay cho chủ nhà cho thuê",),
    "1.011006": ("nộp tiền thuê đất hàng năm",),
    "1.007695": ("thuế đất phi nông nghiệp", "đóng thuế nhà đất hàng năm"),
    "1.008510": ("mở lại mã số thuế", "khôi phục mã số thuế bị khóa"),
    "3.000088": ("xin miễn tiền phạt chậm nộp thuế",),
    "1.008588": ("xin trả góp tiền nợ thuế",),
    "1.014976": ("quyết toán thuế hộ kinh doanh cuối năm",),
    "1.010949": ("chuyển khai thuế tháng sang quý",),
    "1.010701": ("thông báo thuê đại lý thuế",),
    "1.009825": ("báo số tài khoản ngân hàng cho cơ quan thuế",),
    "1.014033": ("hoàn thuế bán hàng trên sàn thương mại điện tử",),
    "1.014030": ("sàn thương mại điện tử nộp thuế thay người bán",),
    "1.008591": ("xin giấy xác nhận không nợ thuế", "xác nhận đã nộp đủ thuế"),
    "1.013659": ("sửa chứng từ khấu trừ thuế lập sai",),
    "1.010341": (
        "sửa hóa đơn điện tử viết sai",
        "hủy hóa đơn điện tử xuất sai",
        "điều chỉnh hóa đơn lập sai",
    ),
    "1.008008": ("đăng ký nộp thuế điện tử",),
    "1.010337": (
        "đăng ký hóa đơn điện tử",
        "đăng ký xuất hóa đơn điện tử",
        "đăng ký hóa đơn máy tính tiền",
    ),
    "1.008503": ("sửa thông tin đăng ký mã số thuế", "cập nhật thông tin mã số thuế"),
    "1.008505": ("chuyển trụ sở đổi cơ quan thuế quản lý",),
    "1.008504": ("chuyển trụ sở đổi cơ quan thuế quản lý",),
    "1.008498": (
        "đăng ký mã số thuế cá nhân",
        "làm mã số thuế cá nhân",
        "đăng ký người phụ thuộc giảm trừ gia cảnh",
    ),
    "1.007042": ("báo cơ quan thuế tạm ngừng kinh doanh",),
    "1.011042": ("đăng ký chứng từ khấu trừ thuế điện tử", "đăng ký biên lai điện tử"),
    "3.000251": ("xin trả lại phí đường bộ đã nộp",),
    "3.000252": ("xe nghỉ chạy lâu không đóng phí đường bộ",),
    "1.008584": ("giảm tiền thuê đất do thiên tai hỏa hoạn",),
    "1.008568": ("xin miễn giảm tiền thuê đất",),
    "1.008323": ("khai thuế bảo vệ môi trường xăng dầu",),
    "1.008312": ("khai thuế tài nguyên khai thác cát đá",),
    "1.008327": ("sửa tờ khai thuế đã nộp", "nộp lại tờ khai thuế bị sai"),
    "1.008529": ("nộp thuế khi bán lại phần vốn góp",),
    "1.008538": ("thuế khi được tặng cho xe ô tô",),
}
