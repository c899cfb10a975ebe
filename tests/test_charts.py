"""The SVG charts: accessible (an image with a title and a description), one mark per value
carrying its label and value, sizes in proportion, user text escaped, nothing inline that the
console's CSP would block."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from troly.handlers import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))


def marks(root: ElementTree.Element) -> list[tuple[str, float, float]]:
    found = []
    for node in root.iter():
        if "data-value" in node.attrib:
            size = float(node.attrib.get("width", node.attrib.get("r", "0")))
            found.append((node.attrib["data-label"], float(node.attrib["data-value"]), size))
    return found


def test_a_chart_is_an_image_named_by_its_title_and_description() -> None:
    root = parse(charts.bars("Theo lĩnh vực", [("Thuế", 2)], desc="Số liệu ở bảng bên cạnh."))
    assert root.attrib["role"] == "img"
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert (title.attrib["id"], title.text) == (title_id, "Theo lĩnh vực")
    assert (desc.attrib["id"], desc.text) == (desc_id, "Số liệu ở bảng bên cạnh.")


def test_bars_are_as_long_as_their_values_and_say_them() -> None:
    root = parse(charts.bars("t", [("Thuế", 4), ("Xây dựng", 2), ("Khác", 0)], desc="d"))
    found = marks(root)
    assert [(label, value) for label, value, _ in found] == [
        ("Thuế", 4),
        ("Xây dựng", 2),
        ("Khác", 0),
    ]
    assert found[0][2] == 2 * found[1][2] and found[2][2] == 0
    tips = [node.text for node in root.iter(f"{SVG}title")][1:]
    assert tips == ["Thuế: 4", "Xây dựng: 2", "Khác: 0"]


def test_columns_draw_one_bar_per_bucket_including_empty_ones() -> None:
    root = parse(charts.columns("t", [("01/12", 3), ("02/12", 0), ("03/12", 6)], desc="d"))
    heights = [float(n.attrib["height"]) for n in root.iter(f"{SVG}rect")]
    assert heights[0] * 2 == heights[2] and heights[1] == 0


def test_stacked_shares_fill_the_row_in_proportion() -> None:
    root = parse(charts.stacked("t", [("Cục Thuế", [3, 1, 0])], ["A", "B", "C"], desc="d"))
    found = [(label, value, width) for label, value, width in marks(root)]
    assert [(label, value) for label, value, _ in found] == [
        ("Cục Thuế · A", 3),
        ("Cục Thuế · B", 1),
        ("Cục Thuế · C", 0),
    ]
    assert abs(found[0][2] - 3 * found[1][2]) < 0.2
    assert "75.0%" in str(charts.stacked("t", [("x", [3, 1])], ["A", "B"], desc="d"))


def test_lines_leave_a_gap_where_there_is_no_value() -> None:
    markup = charts.lines("t", ["1", "2", "3"], [("Trả lời", [0.5, None, 1.0])], desc="d")
    root = parse(markup)
    assert [value for _, value, _ in marks(root)] == [0.5, 1.0]
    assert root.find(f"{SVG}polyline") is None


def test_nothing_to_draw_says_so_and_user_text_is_escaped() -> None:
    root = parse(charts.columns("t", [], desc="Không có số liệu."))
    assert root.attrib["data-chart"] == "empty"
    markup = str(charts.bars("<b>", [('<script>"x"</script>', 1)], desc="d"))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert re.search(r"\sstyle=", markup) is None


def test_a_long_legend_wraps_inside_the_chart() -> None:
    parts = [f"Phần thứ {n} có tên khá dài" for n in range(6)]
    root = parse(charts.stacked("t", [("x", [1] * 6)], parts, desc="d"))
    height = float(root.attrib["viewBox"].split()[3])
    texts = [n for n in root.iter(f"{SVG}text") if n.text in parts]
    assert len(texts) == 6
    assert all(float(n.attrib["x"]) + 7 * len(n.text or "") <= charts.WIDTH for n in texts)
    assert max(float(n.attrib["y"]) for n in texts) < height
    assert len({n.attrib["y"] for n in texts}) > 1
