"""``--library-doc``'s text: signatures and docstrings from the source, capped, never importing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from arcforge.errors import UsageError
from arcforge.prompts import load_template
from arcforge.prompts.library_doc import MAX_DOC_CHARS, library_doc, with_library_doc


def test_a_large_library_is_capped_and_says_how_much_is_left_out(tmp_path: Path) -> None:
    source = "".join(
        f'def f{i}(grid, k: int = {i}) -> list:\n    """Helper number {i}."""\n    return grid * {i}\n\n'
        for i in range(2000)
    )
    (tmp_path / "big.py").write_text(source + "raise SystemExit('never imported')\n")
    text = library_doc([tmp_path / "big.py"])
    assert len(text) <= MAX_DOC_CHARS
    assert "def f0(grid, k: int=0) -> list:" in text and "Helper number 0." in text
    assert "return grid" not in text
    shown = text.count("def f")
    assert f"{2000 - shown} more definitions not shown" in text


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "dsl.py").write_text("def ok():\n    pass\n\ndef broken(:\n")
    with pytest.raises(UsageError, match=r"dsl\.py, line 4"):
        library_doc([tmp_path / "dsl.py"])


def test_the_template_hash_changes_with_the_interface_and_dollars_survive(tmp_path: Path) -> None:
    (tmp_path / "dsl.py").write_text('def pay(x):\n    """Costs $5."""\n    return x\n')
    template = load_template("code")
    first = with_library_doc(template, [tmp_path / "dsl.py"])
    (tmp_path / "dsl.py").write_text('def pay(x, y):\n    """Costs $5."""\n    return x\n')
    second = with_library_doc(template, [tmp_path / "dsl.py"])
    assert len({template.sha256, first.sha256, second.sha256}) == 3
    assert with_library_doc(template, []) is template
    assert "$$5" in first.user  # string.Template text: renders as $5
