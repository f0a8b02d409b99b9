import re

from arcforge.cli._terminal import render_diff, render_grid, render_side_by_side
from arcforge.task import Grid

ANSI = re.compile(r"\x1b\[[0-9;]*m")
GRID = Grid([[0, 1, 2], [7, 8, 9]])


def plain(text):
    return ANSI.sub("", text)


def test_render_grid_paints_each_cell_with_its_palette_colour():
    text = render_grid(GRID)
    lines = text.split("\n")
    assert len(lines) == 2
    assert "\x1b[48;2;0;116;217m  " in lines[0]  # 1 blue #0074D9
    assert "\x1b[48;2;135;12;37m  " in lines[1]  # 9 maroon #870C25
    assert all(line.endswith("\x1b[0m") for line in lines)
    assert [len(line) for line in plain(text).split("\n")] == [6, 6]  # two columns per cell


def test_render_grid_with_digits_uses_a_readable_foreground():
    text = render_grid(Grid([[0, 4]]), digits=True)
    assert plain(text) == "0 4 "
    assert "\x1b[38;2;255;255;255m0" in text  # white on black
    assert "\x1b[38;2;0;0;0m4" in text  # black on yellow


def test_render_grid_without_colour_is_plain_digits():
    assert render_grid(GRID, color=False) == "0 1 2 \n7 8 9 "


def test_side_by_side_aligns_grids_of_different_sizes_under_titles():
    text = render_side_by_side([GRID, Grid([[5]]), None], ["input", "output", "model"], color=False)
    assert text.split("\n") == [
        "input     output    model",
        "0 1 2     5         (none)",
        "7 8 9",
    ]


def test_side_by_side_pads_by_visible_width_with_colour():
    text = render_side_by_side([Grid([[1]]), Grid([[2, 2]])], ["a", "b"])
    first, second = plain(text).split("\n")
    assert first == "a     b"
    assert second.startswith("      ")  # 2 cell columns + 4 gap before the second grid
    assert "\x1b[48;2;255;65;54m" in text.split("\n")[1]


def test_render_diff_marks_the_differing_cells():
    actual = Grid([[0, 1, 2], [7, 3, 9]])
    text = render_diff(GRID, actual, color=False)
    assert text.split("\n") == [
        "expected    actual    diff",
        "0 1 2       0 1 2     . . .",
        "7 8 9       7 3 9     . X .",
        "1 of 6 cells differ",
    ]
    coloured = render_diff(GRID, actual)
    assert plain(coloured).split("\n")[2].rstrip().endswith(". X .")
    assert render_diff(GRID, GRID, color=False).endswith("identical")


def test_render_diff_reports_a_size_mismatch_and_a_missing_output():
    text = render_diff(GRID, Grid([[0, 1], [7, 8]]), color=False)
    assert text.endswith("size mismatch: expected 2x3, got 2x2")
    assert "X" not in text
    assert render_diff(GRID, None, color=False).endswith("no output to compare")
    assert "(none)" in render_diff(GRID, None)
