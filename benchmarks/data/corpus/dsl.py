"""A small ARC DSL in the style of the field's solver libraries: grids are tuples of tuples of ints.

Programs written against it start with ``from dsl import *`` and compose these primitives; the
benchmark ``benchmarks/corpus_throughput.py`` verifies a corpus of such solvers with ``--library``.
Pure Python (standard library only), deterministic, every function total on valid grids.
"""

from collections import Counter, deque

# --- basics --------------------------------------------------------------------------------------


def as_grid(grid):
    """A grid given as lists (what the sandbox passes) as a tuple of tuples."""
    return tuple(tuple(int(cell) for cell in row) for row in grid)


def as_lists(grid):
    """A grid as a list of lists (what a solver returns)."""
    return [list(row) for row in grid]


def height(grid):
    """Number of rows."""
    return len(grid)


def width(grid):
    """Number of columns."""
    return len(grid[0]) if grid else 0


def shape(grid):
    """(rows, columns)."""
    return (height(grid), width(grid))


def canvas(colour, dimensions):
    """A grid of one colour with the given (rows, columns)."""
    rows, columns = dimensions
    return tuple(tuple(colour for _ in range(columns)) for _ in range(rows))


def cells(grid):
    """Every (row, column, colour) of the grid, row by row."""
    return [(r, c, v) for r, row in enumerate(grid) for c, v in enumerate(row)]


def palette(grid):
    """The set of colours in the grid."""
    return frozenset(v for row in grid for v in row)


def colour_counts(grid):
    """How many cells each colour holds."""
    return Counter(v for row in grid for v in row)


def mostcolor(grid):
    """The most common colour (ties: the smallest)."""
    counts = colour_counts(grid)
    return max(sorted(counts), key=lambda c: counts[c])


def leastcolor(grid):
    """The least common colour present (ties: the smallest)."""
    counts = colour_counts(grid)
    return min(sorted(counts), key=lambda c: counts[c])


def colorcount(grid, colour):
    """How many cells hold ``colour``."""
    return sum(row.count(colour) for row in grid)


def ofcolor(grid, colour):
    """The (row, column) indices of cells of ``colour``."""
    return frozenset((r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == colour)


def asindices(grid):
    """Every (row, column) index of the grid."""
    return frozenset((r, c) for r in range(height(grid)) for c in range(width(grid)))


def index(grid, location):
    """The colour at (row, column), or None outside the grid."""
    r, c = location
    if 0 <= r < height(grid) and 0 <= c < width(grid):
        return grid[r][c]
    return None


def background(grid):
    """The background colour: black when present, else the most common colour."""
    return 0 if 0 in palette(grid) else mostcolor(grid)


# --- geometry --------------------------------------------------------------------------------------


def rot90(grid):
    """Rotate a quarter turn clockwise."""
    return tuple(zip(*grid[::-1], strict=False))


def rot180(grid):
    """Rotate a half turn."""
    return tuple(tuple(row[::-1]) for row in grid[::-1])


def rot270(grid):
    """Rotate a quarter turn anticlockwise."""
    return tuple(zip(*grid, strict=False))[::-1]


def hmirror(grid):
    """Mirror top to bottom."""
    return tuple(grid[::-1])


def vmirror(grid):
    """Mirror left to right."""
    return tuple(tuple(row[::-1]) for row in grid)


def dmirror(grid):
    """Mirror along the main diagonal (transpose)."""
    return tuple(zip(*grid, strict=False))


def cmirror(grid):
    """Mirror along the anti-diagonal."""
    return tuple(zip(*(row[::-1] for row in grid[::-1]), strict=False))


def upscale(grid, factor):
    """Each cell becomes a ``factor`` x ``factor`` block."""
    return tuple(tuple(v for v in row for _ in range(factor)) for row in grid for _ in range(factor))


def downscale(grid, factor):
    """Keep one cell of every ``factor`` x ``factor`` block (the top-left one)."""
    return tuple(tuple(row[::factor]) for row in grid[::factor])


def hupscale(grid, factor):
    """Each cell repeated ``factor`` times across."""
    return tuple(tuple(v for v in row for _ in range(factor)) for row in grid)


def vupscale(grid, factor):
    """Each row repeated ``factor`` times down."""
    return tuple(row for row in grid for _ in range(factor))


def hconcat(a, b):
    """``a`` then ``b``, side by side (same height)."""
    return tuple(tuple(ra) + tuple(rb) for ra, rb in zip(a, b, strict=False))


def vconcat(a, b):
    """``a`` above ``b`` (same width)."""
    return tuple(a) + tuple(b)


def crop(grid, start, dimensions):
    """The sub-grid at (row, column) ``start`` of size (rows, columns)."""
    r, c = start
    h, w = dimensions
    return tuple(tuple(row[c : c + w]) for row in grid[r : r + h])


def tophalf(grid):
    """The top half (rounding down)."""
    return grid[: height(grid) // 2]


def bottomhalf(grid):
    """The bottom half (rounding down)."""
    return grid[height(grid) - height(grid) // 2 :]


def lefthalf(grid):
    """The left half (rounding down)."""
    return rot270(tophalf(rot90(grid)))


def righthalf(grid):
    """The right half (rounding down)."""
    return rot270(bottomhalf(rot90(grid)))


def hsplit(grid, parts):
    """``parts`` equal slices side by side (a remainder column between them dropped)."""
    w = width(grid) // parts
    offset = (width(grid) % parts != 0) * 1
    return tuple(crop(grid, (0, w * i + i * offset), (height(grid), w)) for i in range(parts))


def vsplit(grid, parts):
    """``parts`` equal slices one above the other (a remainder row between them dropped)."""
    h = height(grid) // parts
    offset = (height(grid) % parts != 0) * 1
    return tuple(crop(grid, (h * i + i * offset, 0), (h, width(grid))) for i in range(parts))


def trim(grid):
    """The grid without its outer frame of cells."""
    return tuple(tuple(row[1:-1]) for row in grid[1:-1]) or grid


def tile(grid, rows, columns):
    """The grid repeated ``rows`` times down and ``columns`` times across."""
    return tuple(tuple(row) * columns for _ in range(rows) for row in grid)


def mirror_tile(grid):
    """A 2x2 tiling with mirrored copies (the grid, its mirror right, both mirrored below)."""
    top = hconcat(grid, vmirror(grid))
    return vconcat(top, hmirror(top))


def shift_grid(grid, offset, fill_colour=0):
    """Every cell moved by (rows, columns); cells moved in are ``fill_colour``."""
    dr, dc = offset
    h, w = shape(grid)
    return tuple(
        tuple(grid[r - dr][c - dc] if 0 <= r - dr < h and 0 <= c - dc < w else fill_colour for c in range(w))
        for r in range(h)
    )


# --- colours ---------------------------------------------------------------------------------------


def replace(grid, old, new):
    """Every cell of colour ``old`` becomes ``new``."""
    return tuple(tuple(new if v == old else v for v in row) for row in grid)


def switch(grid, a, b):
    """Colours ``a`` and ``b`` swapped."""
    return tuple(tuple(b if v == a else a if v == b else v for v in row) for row in grid)


def recolor_all(grid, colour):
    """Every non-background cell becomes ``colour``."""
    bg = background(grid)
    return tuple(tuple(v if v == bg else colour for v in row) for row in grid)


def keep_colour(grid, colour):
    """Only the cells of ``colour`` kept; the rest background."""
    bg = background(grid)
    return tuple(tuple(v if v == colour else bg for v in row) for row in grid)


def remove_colour(grid, colour):
    """Cells of ``colour`` become background."""
    bg = background(grid)
    return tuple(tuple(bg if v == colour else v for v in row) for row in grid)


def fill(grid, colour, indices):
    """The cells at ``indices`` painted ``colour``."""
    rows = [list(row) for row in grid]
    h, w = shape(grid)
    for r, c in indices:
        if 0 <= r < h and 0 <= c < w:
            rows[r][c] = colour
    return tuple(tuple(row) for row in rows)


def underfill(grid, colour, indices):
    """The background cells at ``indices`` painted ``colour``."""
    bg = background(grid)
    return fill(grid, colour, [(r, c) for r, c in indices if index(grid, (r, c)) == bg])


def cellwise(a, b, fallback):
    """Where ``a`` and ``b`` agree, their colour; elsewhere ``fallback``."""
    return tuple(
        tuple(x if x == y else fallback for x, y in zip(ra, rb, strict=False))
        for ra, rb in zip(a, b, strict=False)
    )


def overlay(a, b):
    """``b`` painted over ``a`` where ``b`` is not background."""
    bg = background(b)
    return tuple(
        tuple(y if y != bg else x for x, y in zip(ra, rb, strict=False)) for ra, rb in zip(a, b, strict=False)
    )


def invert(grid):
    """Background and foreground exchanged (foreground becomes the most common other colour)."""
    bg = background(grid)
    others = [c for c in sorted(palette(grid)) if c != bg]
    fg = others[0] if others else bg
    return tuple(tuple(fg if v == bg else bg for v in row) for row in grid)


def majority_colour_grid(grid):
    """A grid of the grid's size in its most common colour."""
    return canvas(mostcolor(grid), shape(grid))


# --- objects ---------------------------------------------------------------------------------------


def dneighbors(location):
    """The four direct neighbours of (row, column)."""
    r, c = location
    return frozenset({(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)})


def ineighbors(location):
    """The four diagonal neighbours of (row, column)."""
    r, c = location
    return frozenset({(r - 1, c - 1), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c + 1)})


def neighbors(location):
    """All eight neighbours of (row, column)."""
    return dneighbors(location) | ineighbors(location)


def objects(grid, univalued=True, diagonal=False, without_bg=True):
    """Connected groups of cells, each a frozenset of (colour, (row, column)).

    ``univalued``: a group holds one colour; ``diagonal``: diagonal cells connect; ``without_bg``:
    background cells belong to no group.
    """
    bg = background(grid) if without_bg else None
    h, w = shape(grid)
    seen = set()
    found = []
    step = neighbors if diagonal else dneighbors
    for r in range(h):
        for c in range(w):
            if (r, c) in seen or grid[r][c] == bg:
                continue
            colour = grid[r][c]
            group = set()
            queue = deque([(r, c)])
            seen.add((r, c))
            while queue:
                cell = queue.popleft()
                group.add((grid[cell[0]][cell[1]], cell))
                for nr, nc in step(cell):
                    if not (0 <= nr < h and 0 <= nc < w) or (nr, nc) in seen:
                        continue
                    value = grid[nr][nc]
                    if value == bg or (univalued and value != colour):
                        continue
                    seen.add((nr, nc))
                    queue.append((nr, nc))
            found.append(frozenset(group))
    return found


def toindices(obj):
    """The (row, column) indices of an object."""
    return frozenset(location for _, location in obj)


def color(obj):
    """The most common colour of an object."""
    return Counter(v for v, _ in obj).most_common(1)[0][0]


def size(container):
    """Number of elements."""
    return len(container)


def uppermost(obj):
    """The smallest row of an object."""
    return min(r for _, (r, _c) in obj)


def lowermost(obj):
    """The largest row of an object."""
    return max(r for _, (r, _c) in obj)


def leftmost(obj):
    """The smallest column of an object."""
    return min(c for _, (_r, c) in obj)


def rightmost(obj):
    """The largest column of an object."""
    return max(c for _, (_r, c) in obj)


def ulcorner(obj):
    """The upper-left corner of an object's bounding box."""
    return (uppermost(obj), leftmost(obj))


def obj_shape(obj):
    """(rows, columns) of an object's bounding box."""
    return (lowermost(obj) - uppermost(obj) + 1, rightmost(obj) - leftmost(obj) + 1)


def subgrid(obj, grid):
    """The part of the grid under an object's bounding box."""
    return crop(grid, ulcorner(obj), obj_shape(obj))


def normalize(obj):
    """The object moved so its bounding box starts at (0, 0)."""
    top, left = ulcorner(obj)
    return frozenset((v, (r - top, c - left)) for v, (r, c) in obj)


def shift(obj, offset):
    """The object moved by (rows, columns)."""
    dr, dc = offset
    return frozenset((v, (r + dr, c + dc)) for v, (r, c) in obj)


def paint(grid, obj):
    """The object's cells painted on the grid."""
    rows = [list(row) for row in grid]
    h, w = shape(grid)
    for v, (r, c) in obj:
        if 0 <= r < h and 0 <= c < w:
            rows[r][c] = v
    return tuple(tuple(row) for row in rows)


def cover(grid, obj):
    """The object's cells painted background."""
    return fill(grid, background(grid), toindices(obj))


def recolor(colour, obj):
    """The object in one colour."""
    return frozenset((colour, location) for _, location in obj)


def box(obj):
    """The outline of an object's bounding box."""
    top, left = ulcorner(obj)
    bottom, right = lowermost(obj), rightmost(obj)
    cells_ = set()
    for c in range(left, right + 1):
        cells_ |= {(top, c), (bottom, c)}
    for r in range(top, bottom + 1):
        cells_ |= {(r, left), (r, right)}
    return frozenset(cells_)


def backdrop(obj):
    """Every cell of an object's bounding box."""
    top, left = ulcorner(obj)
    return frozenset((r, c) for r in range(top, lowermost(obj) + 1) for c in range(left, rightmost(obj) + 1))


def delta(obj):
    """The cells of the bounding box the object does not cover."""
    return backdrop(obj) - toindices(obj)


def centerofmass(obj):
    """The mean (row, column) of an object, rounded down."""
    locations = toindices(obj)
    return (
        sum(r for r, _ in locations) // len(locations),
        sum(c for _, c in locations) // len(locations),
    )


def largest(objs):
    """The object with the most cells (ties: the first)."""
    return max(objs, key=len) if objs else frozenset()


def smallest(objs):
    """The object with the fewest cells (ties: the first)."""
    return min(objs, key=len) if objs else frozenset()


def colorfilter(objs, colour):
    """The objects of ``colour``."""
    return [obj for obj in objs if color(obj) == colour]


def sizefilter(objs, n):
    """The objects of ``n`` cells."""
    return [obj for obj in objs if len(obj) == n]


def frontiers(grid):
    """Full rows and columns of one colour, as index sets."""
    h, w = shape(grid)
    found = []
    for r in range(h):
        if len(set(grid[r])) == 1:
            found.append(frozenset((r, c) for c in range(w)))
    for c in range(w):
        if len({grid[r][c] for r in range(h)}) == 1:
            found.append(frozenset((r, c) for r in range(h)))
    return found


def compress(grid):
    """The grid without its full one-colour rows and columns."""
    h, w = shape(grid)
    rows = [r for r in range(h) if len(set(grid[r])) > 1]
    columns = [c for c in range(w) if len({grid[r][c] for r in range(h)}) > 1]
    if not rows or not columns:
        return grid
    return tuple(tuple(grid[r][c] for c in columns) for r in rows)


def crop_to_content(grid):
    """The smallest sub-grid holding every non-background cell."""
    bg = background(grid)
    points = [(r, c) for r, c, v in cells(grid) if v != bg]
    if not points:
        return grid
    top = min(r for r, _ in points)
    left = min(c for _, c in points)
    bottom = max(r for r, _ in points)
    right = max(c for _, c in points)
    return crop(grid, (top, left), (bottom - top + 1, right - left + 1))


def largest_object_grid(grid):
    """The sub-grid under the largest object."""
    objs = objects(grid, univalued=False, diagonal=True)
    return subgrid(largest(objs), grid) if objs else grid


def smallest_object_grid(grid):
    """The sub-grid under the smallest object."""
    objs = objects(grid, univalued=False, diagonal=True)
    return subgrid(smallest(objs), grid) if objs else grid


def outline_objects(grid, colour):
    """The bounding-box outline of every object painted ``colour`` under the objects."""
    result = grid
    for obj in objects(grid):
        result = underfill(result, colour, box(obj))
    return result


def fill_holes(grid, colour):
    """Background cells enclosed by an object (not reachable from the border) painted ``colour``."""
    bg = background(grid)
    h, w = shape(grid)
    outside = set()
    queue = deque(
        (r, c)
        for r in range(h)
        for c in range(w)
        if (r in (0, h - 1) or c in (0, w - 1)) and grid[r][c] == bg
    )
    outside.update(queue)
    while queue:
        cell = queue.popleft()
        for nr, nc in dneighbors(cell):
            if 0 <= nr < h and 0 <= nc < w and (nr, nc) not in outside and grid[nr][nc] == bg:
                outside.add((nr, nc))
                queue.append((nr, nc))
    holes = [(r, c) for r in range(h) for c in range(w) if grid[r][c] == bg and (r, c) not in outside]
    return fill(grid, colour, holes)


def count_objects_grid(grid):
    """A 1 x N grid of the most common foreground colour, N the number of objects."""
    objs = objects(grid)
    if not objs:
        return ((background(grid),),)
    return canvas(color(largest(objs)), (1, len(objs)))


# --- movement --------------------------------------------------------------------------------------


def gravity(grid, direction):
    """Every non-background cell slides as far as it can in ``direction`` ((1, 0) is down)."""
    dr, dc = direction
    bg = background(grid)
    h, w = shape(grid)
    if dc == 0:
        columns = []
        for c in range(w):
            column = [grid[r][c] for r in range(h)]
            full = [v for v in column if v != bg]
            empty = [bg] * (h - len(full))
            columns.append(empty + full if dr > 0 else full + empty)
        return tuple(tuple(columns[c][r] for c in range(w)) for r in range(h))
    rows = []
    for row in grid:
        full = [v for v in row if v != bg]
        empty = [bg] * (w - len(full))
        rows.append(tuple(empty + full if dc > 0 else full + empty))
    return tuple(rows)


def draw_line(grid, start, direction, colour):
    """A line of ``colour`` from ``start`` in ``direction`` to the edge of the grid."""
    r, c = start
    dr, dc = direction
    h, w = shape(grid)
    points = []
    while 0 <= r < h and 0 <= c < w:
        points.append((r, c))
        r, c = r + dr, c + dc
    return fill(grid, colour, points)


def extend_rays(grid, direction):
    """Each foreground cell extended as a ray in ``direction`` over the background."""
    bg = background(grid)
    result = grid
    for r, c, v in cells(grid):
        if v != bg:
            dr, dc = direction
            points = []
            nr, nc = r + dr, c + dc
            while index(grid, (nr, nc)) == bg:
                points.append((nr, nc))
                nr, nc = nr + dr, nc + dc
            result = fill(result, v, points)
    return result


# --- higher order ----------------------------------------------------------------------------------


def compose(*functions):
    """The functions applied right to left."""

    def composed(value):
        for function in reversed(functions):
            value = function(value)
        return value

    return composed


def chain(*functions):
    """The functions applied left to right."""
    return compose(*reversed(functions))


def fork(outer, a, b):
    """``outer(a(x), b(x))``."""
    return lambda value: outer(a(value), b(value))


def lbind(function, fixed):
    """``function`` with its first argument fixed."""
    return lambda *rest: function(fixed, *rest)


def rbind(function, fixed):
    """``function`` with its last argument fixed."""
    return lambda *rest: function(*rest, fixed)


def apply(function, container):
    """``function`` of each element, as a list."""
    return [function(item) for item in container]


def identity(value):
    """The value itself."""
    return value


def branch(condition, a, b):
    """``a`` when ``condition`` holds, else ``b``."""
    return a if condition else b


def is_square(grid):
    """Whether the grid has as many rows as columns."""
    return height(grid) == width(grid)


def is_symmetric(grid):
    """Whether the grid equals its left-right mirror."""
    return grid == vmirror(grid)


# --- named variants: one function per colour, direction and factor ----------------------------


def recolor_to_0(grid):
    """Every foreground cell becomes black (0)."""
    return recolor_all(as_grid(grid), 0)


def keep_0(grid):
    """Only the black (0) cells kept."""
    return keep_colour(as_grid(grid), 0)


def remove_0(grid):
    """The black (0) cells become background."""
    return remove_colour(as_grid(grid), 0)


def outline_0(grid):
    """Every object outlined in black (0)."""
    return outline_objects(as_grid(grid), 0)


def fill_holes_0(grid):
    """Enclosed background filled with black (0)."""
    return fill_holes(as_grid(grid), 0)


def recolor_to_1(grid):
    """Every foreground cell becomes blue (1)."""
    return recolor_all(as_grid(grid), 1)


def keep_1(grid):
    """Only the blue (1) cells kept."""
    return keep_colour(as_grid(grid), 1)


def remove_1(grid):
    """The blue (1) cells become background."""
    return remove_colour(as_grid(grid), 1)


def outline_1(grid):
    """Every object outlined in blue (1)."""
    return outline_objects(as_grid(grid), 1)


def fill_holes_1(grid):
    """Enclosed background filled with blue (1)."""
    return fill_holes(as_grid(grid), 1)


def recolor_to_2(grid):
    """Every foreground cell becomes red (2)."""
    return recolor_all(as_grid(grid), 2)


def keep_2(grid):
    """Only the red (2) cells kept."""
    return keep_colour(as_grid(grid), 2)


def remove_2(grid):
    """The red (2) cells become background."""
    return remove_colour(as_grid(grid), 2)


def outline_2(grid):
    """Every object outlined in red (2)."""
    return outline_objects(as_grid(grid), 2)


def fill_holes_2(grid):
    """Enclosed background filled with red (2)."""
    return fill_holes(as_grid(grid), 2)


def recolor_to_3(grid):
    """Every foreground cell becomes green (3)."""
    return recolor_all(as_grid(grid), 3)


def keep_3(grid):
    """Only the green (3) cells kept."""
    return keep_colour(as_grid(grid), 3)


def remove_3(grid):
    """The green (3) cells become background."""
    return remove_colour(as_grid(grid), 3)


def outline_3(grid):
    """Every object outlined in green (3)."""
    return outline_objects(as_grid(grid), 3)


def fill_holes_3(grid):
    """Enclosed background filled with green (3)."""
    return fill_holes(as_grid(grid), 3)


def recolor_to_4(grid):
    """Every foreground cell becomes yellow (4)."""
    return recolor_all(as_grid(grid), 4)


def keep_4(grid):
    """Only the yellow (4) cells kept."""
    return keep_colour(as_grid(grid), 4)


def remove_4(grid):
    """The yellow (4) cells become background."""
    return remove_colour(as_grid(grid), 4)


def outline_4(grid):
    """Every object outlined in yellow (4)."""
    return outline_objects(as_grid(grid), 4)


def fill_holes_4(grid):
    """Enclosed background filled with yellow (4)."""
    return fill_holes(as_grid(grid), 4)


def recolor_to_5(grid):
    """Every foreground cell becomes grey (5)."""
    return recolor_all(as_grid(grid), 5)


def keep_5(grid):
    """Only the grey (5) cells kept."""
    return keep_colour(as_grid(grid), 5)


def remove_5(grid):
    """The grey (5) cells become background."""
    return remove_colour(as_grid(grid), 5)


def outline_5(grid):
    """Every object outlined in grey (5)."""
    return outline_objects(as_grid(grid), 5)


def fill_holes_5(grid):
    """Enclosed background filled with grey (5)."""
    return fill_holes(as_grid(grid), 5)


def recolor_to_6(grid):
    """Every foreground cell becomes magenta (6)."""
    return recolor_all(as_grid(grid), 6)


def keep_6(grid):
    """Only the magenta (6) cells kept."""
    return keep_colour(as_grid(grid), 6)


def remove_6(grid):
    """The magenta (6) cells become background."""
    return remove_colour(as_grid(grid), 6)


def outline_6(grid):
    """Every object outlined in magenta (6)."""
    return outline_objects(as_grid(grid), 6)


def fill_holes_6(grid):
    """Enclosed background filled with magenta (6)."""
    return fill_holes(as_grid(grid), 6)


def recolor_to_7(grid):
    """Every foreground cell becomes orange (7)."""
    return recolor_all(as_grid(grid), 7)


def keep_7(grid):
    """Only the orange (7) cells kept."""
    return keep_colour(as_grid(grid), 7)


def remove_7(grid):
    """The orange (7) cells become background."""
    return remove_colour(as_grid(grid), 7)


def outline_7(grid):
    """Every object outlined in orange (7)."""
    return outline_objects(as_grid(grid), 7)


def fill_holes_7(grid):
    """Enclosed background filled with orange (7)."""
    return fill_holes(as_grid(grid), 7)


def recolor_to_8(grid):
    """Every foreground cell becomes light blue (8)."""
    return recolor_all(as_grid(grid), 8)


def keep_8(grid):
    """Only the light blue (8) cells kept."""
    return keep_colour(as_grid(grid), 8)


def remove_8(grid):
    """The light blue (8) cells become background."""
    return remove_colour(as_grid(grid), 8)


def outline_8(grid):
    """Every object outlined in light blue (8)."""
    return outline_objects(as_grid(grid), 8)


def fill_holes_8(grid):
    """Enclosed background filled with light blue (8)."""
    return fill_holes(as_grid(grid), 8)


def recolor_to_9(grid):
    """Every foreground cell becomes maroon (9)."""
    return recolor_all(as_grid(grid), 9)


def keep_9(grid):
    """Only the maroon (9) cells kept."""
    return keep_colour(as_grid(grid), 9)


def remove_9(grid):
    """The maroon (9) cells become background."""
    return remove_colour(as_grid(grid), 9)


def outline_9(grid):
    """Every object outlined in maroon (9)."""
    return outline_objects(as_grid(grid), 9)


def fill_holes_9(grid):
    """Enclosed background filled with maroon (9)."""
    return fill_holes(as_grid(grid), 9)


def shift_up_1(grid):
    """Everything moved up by 1."""
    return shift_grid(as_grid(grid), (-1, 0), background(as_grid(grid)))


def shift_up_2(grid):
    """Everything moved up by 2."""
    return shift_grid(as_grid(grid), (-2, 0), background(as_grid(grid)))


def shift_up_3(grid):
    """Everything moved up by 3."""
    return shift_grid(as_grid(grid), (-3, 0), background(as_grid(grid)))


def gravity_up(grid):
    """Every foreground cell slid up."""
    return gravity(as_grid(grid), (-1, 0))


def rays_up(grid):
    """Every foreground cell extended up to the edge."""
    return extend_rays(as_grid(grid), (-1, 0))


def shift_down_1(grid):
    """Everything moved down by 1."""
    return shift_grid(as_grid(grid), (1, 0), background(as_grid(grid)))


def shift_down_2(grid):
    """Everything moved down by 2."""
    return shift_grid(as_grid(grid), (2, 0), background(as_grid(grid)))


def shift_down_3(grid):
    """Everything moved down by 3."""
    return shift_grid(as_grid(grid), (3, 0), background(as_grid(grid)))


def gravity_down(grid):
    """Every foreground cell slid down."""
    return gravity(as_grid(grid), (1, 0))


def rays_down(grid):
    """Every foreground cell extended down to the edge."""
    return extend_rays(as_grid(grid), (1, 0))


def shift_left_1(grid):
    """Everything moved left by 1."""
    return shift_grid(as_grid(grid), (0, -1), background(as_grid(grid)))


def shift_left_2(grid):
    """Everything moved left by 2."""
    return shift_grid(as_grid(grid), (0, -2), background(as_grid(grid)))


def shift_left_3(grid):
    """Everything moved left by 3."""
    return shift_grid(as_grid(grid), (0, -3), background(as_grid(grid)))


def gravity_left(grid):
    """Every foreground cell slid left."""
    return gravity(as_grid(grid), (0, -1))


def rays_left(grid):
    """Every foreground cell extended left to the edge."""
    return extend_rays(as_grid(grid), (0, -1))


def shift_right_1(grid):
    """Everything moved right by 1."""
    return shift_grid(as_grid(grid), (0, 1), background(as_grid(grid)))


def shift_right_2(grid):
    """Everything moved right by 2."""
    return shift_grid(as_grid(grid), (0, 2), background(as_grid(grid)))


def shift_right_3(grid):
    """Everything moved right by 3."""
    return shift_grid(as_grid(grid), (0, 3), background(as_grid(grid)))


def gravity_right(grid):
    """Every foreground cell slid right."""
    return gravity(as_grid(grid), (0, 1))


def rays_right(grid):
    """Every foreground cell extended right to the edge."""
    return extend_rays(as_grid(grid), (0, 1))


def upscale_2(grid):
    """Each cell a 2x2 block."""
    return upscale(as_grid(grid), 2)


def upscale_3(grid):
    """Each cell a 3x3 block."""
    return upscale(as_grid(grid), 3)


def upscale_4(grid):
    """Each cell a 4x4 block."""
    return upscale(as_grid(grid), 4)


def downscale_2(grid):
    """One cell of each 2x2 block."""
    return downscale(as_grid(grid), 2)


def downscale_3(grid):
    """One cell of each 3x3 block."""
    return downscale(as_grid(grid), 3)


def tile_1x2(grid):
    """The grid repeated 1 down and 2 across."""
    return tile(as_grid(grid), 1, 2)


def tile_2x1(grid):
    """The grid repeated 2 down and 1 across."""
    return tile(as_grid(grid), 2, 1)


def tile_2x2(grid):
    """The grid repeated 2 down and 2 across."""
    return tile(as_grid(grid), 2, 2)


def tile_3x3(grid):
    """The grid repeated 3 down and 3 across."""
    return tile(as_grid(grid), 3, 3)


def tile_1x3(grid):
    """The grid repeated 1 down and 3 across."""
    return tile(as_grid(grid), 1, 3)


def tile_3x1(grid):
    """The grid repeated 3 down and 1 across."""
    return tile(as_grid(grid), 3, 1)


# --- every grid -> grid primitive, by name (for search and for composing solvers) ------------

UNARY = {
    "rot90": lambda grid, f=rot90: f(as_grid(grid)),
    "rot180": lambda grid, f=rot180: f(as_grid(grid)),
    "rot270": lambda grid, f=rot270: f(as_grid(grid)),
    "hmirror": lambda grid, f=hmirror: f(as_grid(grid)),
    "vmirror": lambda grid, f=vmirror: f(as_grid(grid)),
    "dmirror": lambda grid, f=dmirror: f(as_grid(grid)),
    "cmirror": lambda grid, f=cmirror: f(as_grid(grid)),
    "tophalf": lambda grid, f=tophalf: f(as_grid(grid)),
    "bottomhalf": lambda grid, f=bottomhalf: f(as_grid(grid)),
    "lefthalf": lambda grid, f=lefthalf: f(as_grid(grid)),
    "righthalf": lambda grid, f=righthalf: f(as_grid(grid)),
    "trim": lambda grid, f=trim: f(as_grid(grid)),
    "compress": lambda grid, f=compress: f(as_grid(grid)),
    "crop_to_content": lambda grid, f=crop_to_content: f(as_grid(grid)),
    "largest_object_grid": lambda grid, f=largest_object_grid: f(as_grid(grid)),
    "smallest_object_grid": lambda grid, f=smallest_object_grid: f(as_grid(grid)),
    "mirror_tile": lambda grid, f=mirror_tile: f(as_grid(grid)),
    "invert": lambda grid, f=invert: f(as_grid(grid)),
    "majority_colour_grid": lambda grid, f=majority_colour_grid: f(as_grid(grid)),
    "count_objects_grid": lambda grid, f=count_objects_grid: f(as_grid(grid)),
    "recolor_to_0": recolor_to_0,
    "keep_0": keep_0,
    "remove_0": remove_0,
    "outline_0": outline_0,
    "fill_holes_0": fill_holes_0,
    "recolor_to_1": recolor_to_1,
    "keep_1": keep_1,
    "remove_1": remove_1,
    "outline_1": outline_1,
    "fill_holes_1": fill_holes_1,
    "recolor_to_2": recolor_to_2,
    "keep_2": keep_2,
    "remove_2": remove_2,
    "outline_2": outline_2,
    "fill_holes_2": fill_holes_2,
    "recolor_to_3": recolor_to_3,
    "keep_3": keep_3,
    "remove_3": remove_3,
    "outline_3": outline_3,
    "fill_holes_3": fill_holes_3,
    "recolor_to_4": recolor_to_4,
    "keep_4": keep_4,
    "remove_4": remove_4,
    "outline_4": outline_4,
    "fill_holes_4": fill_holes_4,
    "recolor_to_5": recolor_to_5,
    "keep_5": keep_5,
    "remove_5": remove_5,
    "outline_5": outline_5,
    "fill_holes_5": fill_holes_5,
    "recolor_to_6": recolor_to_6,
    "keep_6": keep_6,
    "remove_6": remove_6,
    "outline_6": outline_6,
    "fill_holes_6": fill_holes_6,
    "recolor_to_7": recolor_to_7,
    "keep_7": keep_7,
    "remove_7": remove_7,
    "outline_7": outline_7,
    "fill_holes_7": fill_holes_7,
    "recolor_to_8": recolor_to_8,
    "keep_8": keep_8,
    "remove_8": remove_8,
    "outline_8": outline_8,
    "fill_holes_8": fill_holes_8,
    "recolor_to_9": recolor_to_9,
    "keep_9": keep_9,
    "remove_9": remove_9,
    "outline_9": outline_9,
    "fill_holes_9": fill_holes_9,
    "shift_up_1": shift_up_1,
    "shift_up_2": shift_up_2,
    "shift_up_3": shift_up_3,
    "gravity_up": gravity_up,
    "rays_up": rays_up,
    "shift_down_1": shift_down_1,
    "shift_down_2": shift_down_2,
    "shift_down_3": shift_down_3,
    "gravity_down": gravity_down,
    "rays_down": rays_down,
    "shift_left_1": shift_left_1,
    "shift_left_2": shift_left_2,
    "shift_left_3": shift_left_3,
    "gravity_left": gravity_left,
    "rays_left": rays_left,
    "shift_right_1": shift_right_1,
    "shift_right_2": shift_right_2,
    "shift_right_3": shift_right_3,
    "gravity_right": gravity_right,
    "rays_right": rays_right,
    "upscale_2": upscale_2,
    "upscale_3": upscale_3,
    "upscale_4": upscale_4,
    "downscale_2": downscale_2,
    "downscale_3": downscale_3,
    "tile_1x2": tile_1x2,
    "tile_2x1": tile_2x1,
    "tile_2x2": tile_2x2,
    "tile_3x3": tile_3x3,
    "tile_1x3": tile_1x3,
    "tile_3x1": tile_3x1,
}
