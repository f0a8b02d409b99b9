import io
import xml.etree.ElementTree as ElementTree

import pytest
from PIL import Image

from arcforge.task import Grid, Pair, Task
from arcforge.task.pictures import LINE_COLOR, PALETTE, grid_png, grid_svg, task_png, task_svg

STANDARD = {
    0: "#000000",
    1: "#0074D9",
    2: "#FF4136",
    3: "#2ECC40",
    4: "#FFDC00",
    5: "#AAAAAA",
    6: "#F012BE",
    7: "#FF851B",
    8: "#7FDBFF",
    9: "#870C25",
}
ALL_COLOURS = Grid([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
SVG = "{http://www.w3.org/2000/svg}"


def rgb(hex_colour):
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def decode(png):
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def test_palette_is_the_standard_arc_palette():
    assert tuple(STANDARD[i] for i in range(10)) == PALETTE


def test_grid_png_has_palette_colours_at_cell_centres_and_lines_between():
    cell, line = 10, 1
    image = decode(grid_png(ALL_COLOURS, cell=cell, line=line))
    assert image.size == (5 * (cell + line) + line, 2 * (cell + line) + line)
    for r, row in enumerate(ALL_COLOURS.rows):
        for c, colour in enumerate(row):
            centre = (line + c * (cell + line) + cell // 2, line + r * (cell + line) + cell // 2)
            assert image.getpixel(centre) == rgb(STANDARD[colour]), (r, c)
            corner = (line + c * (cell + line), line + r * (cell + line))
            assert image.getpixel(corner) == rgb(STANDARD[colour])
    assert image.getpixel((0, 0)) == rgb(LINE_COLOR)
    assert image.getpixel((cell + line, 5)) == rgb(LINE_COLOR)  # the line between columns 0 and 1


def test_equal_neighbours_still_show_the_line_between_them():
    image = decode(grid_png(Grid([[3, 3]]), cell=8, line=1))
    assert image.getpixel((9, 4)) == rgb(LINE_COLOR)
    assert image.getpixel((4, 4)) == image.getpixel((13, 4)) == rgb(STANDARD[3])


def test_grid_png_without_lines():
    image = decode(grid_png(Grid([[1, 2]]), cell=4, line=0))
    assert image.size == (8, 4)
    assert image.getpixel((0, 0)) == rgb(STANDARD[1])
    assert image.getpixel((4, 0)) == rgb(STANDARD[2])


def test_grid_svg_is_xml_with_palette_fills():
    svg = grid_svg(ALL_COLOURS, cell=10)
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == str(5 * 11 + 1)
    fills = {rect.get("fill") for rect in root.iter(f"{SVG}rect")}
    assert set(PALETTE) <= fills
    assert LINE_COLOR in fills


def test_svg_merges_runs_of_equal_cells():
    root = ElementTree.fromstring(grid_svg(Grid([[4] * 30] * 30)))
    yellow = [rect for rect in root.iter(f"{SVG}rect") if rect.get("fill") == STANDARD[4]]
    assert len(yellow) == 30  # one rectangle per row, lines drawn over them


def make_task():
    return Task(
        id="pic",
        train=(Pair(Grid([[1, 0], [0, 1]]), Grid([[2, 2, 2]])), Pair(Grid([[3]]), Grid([[4], [4]]))),
        test=(Pair(Grid([[5, 5]]), Grid([[9, 9], [9, 9]])),),
    )


def colours_in(image):
    return {colour for _, colour in image.getcolors(maxcolors=1 << 16)}


def test_task_png_shows_train_pairs_and_hides_test_outputs_unless_asked():
    hidden = decode(task_png(make_task(), cell=12))
    shown = decode(task_png(make_task(), cell=12, include_test_outputs=True))
    for colour in (1, 2, 3, 4, 5):
        assert rgb(STANDARD[colour]) in colours_in(hidden)
    assert rgb(STANDARD[9]) not in colours_in(hidden)
    assert rgb(STANDARD[9]) in colours_in(shown)


def test_task_png_handles_the_largest_grids():
    big = Grid([[c % 10 for c in range(30)]] * 30)
    task = Task(id="big", train=(Pair(big, big),), test=(Pair(big),))
    image = decode(task_png(task))
    side = 30 * (8 + 1) + 1  # the automatic cell size keeps a 30x30 grid near 240 pixels
    assert 2 * side < image.width < 2 * side + 100
    assert 2 * side < image.height < 2 * side + 150


@pytest.mark.parametrize("include", [False, True])
def test_task_svg_is_xml_with_labels(include):
    root = ElementTree.fromstring(task_svg(make_task(), include_test_outputs=include))
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert texts[:3] == ["Task pic", "Example 1", "Example 2"]
    assert "Test 1" in texts
    assert ("?" in texts) is not include
    fills = {rect.get("fill") for rect in root.iter(f"{SVG}rect")}
    assert (STANDARD[9] in fills) is include
