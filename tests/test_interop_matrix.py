"""The interop matrix writer (tests/interop/matrix.py) rewrites only its own part of the page."""
from __future__ import annotations

from interop.matrix import BEGIN, END, write_matrix


def test_matrix_replaces_only_the_text_between_its_markers(tmp_path):
    page = tmp_path / "interop.md"
    page.write_text(f"# Interop\n\nprose stays\n\n{BEGIN}\nold table\n{END}\n\nafter stays\n")
    tables = {"test_x": "ours → theirs", "test_y": "theirs → ours"}
    cells = {"ours → theirs": {("single-eddsa-rdfc-2022", "jose"): "pass",
                               ("single-jwt-ob3-EdDSA", "jose"): "FAIL"}}
    write_matrix(page, tables, cells)
    text = page.read_text()
    assert text.startswith("# Interop\n\nprose stays\n\n" + BEGIN) and text.endswith(END + "\n\nafter stays\n")
    assert "old table" not in text and "theirs → ours" not in text      # an empty table is left out
    assert "| single-jwt-ob3-EdDSA | FAIL |" in text and "| single-eddsa-rdfc-2022 | pass |" in text
    assert "| jose |" in text and "openbadgeslib (PyPI)" in text
