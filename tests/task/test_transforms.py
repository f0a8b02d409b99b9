import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arcforge.errors import UsageError
from arcforge.task import Grid, Pair, Provenance, Task
from arcforge.task.transforms import (
    D8,
    IDENTITY,
    ColorPermutation,
    Composite,
    SwapPair,
    Symmetry,
    TrainOrder,
    TransformError,
    compose,
    parse_transform,
    random_color_permutation,
)


@st.composite
def grids(draw, max_side=8):
    height, width = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    cells = draw(st.binary(min_size=height * width, max_size=height * width))
    return Grid.from_bytes(height, width, bytes(b % 10 for b in cells))


colour_permutations = st.permutations(range(10)).map(lambda p: ColorPermutation(tuple(p)))
symmetries = st.sampled_from(D8)
grid_transforms = st.one_of(symmetries, colour_permutations)
composed_grid_transforms = st.lists(grid_transforms, min_size=1, max_size=4).map(lambda ts: compose(*ts))


def make_task(train_count=3, test_outputs=True):
    train = tuple(Pair(Grid([[i, 1], [2, 3], [4, 5]]), Grid([[i, 9, 8]])) for i in range(train_count))
    test = (Pair(Grid([[7, 7]]), Grid([[6]]) if test_outputs else None), Pair(Grid([[5]]), None))
    return Task(id="abc", train=train, test=test, version=2, signers=("ann",), source="unit")


NUMPY_EQUIVALENTS = {
    "identity": lambda a: a,
    "rot90": lambda a: np.rot90(a, k=-1),
    "rot180": lambda a: np.rot90(a, k=2),
    "rot270": lambda a: np.rot90(a, k=1),
    "flip_lr": np.fliplr,
    "flip_ud": np.flipud,
    "transpose": lambda a: a.T,
    "anti_transpose": lambda a: np.rot90(a, k=2).T,
}


def test_d8_has_the_eight_symmetries_identity_first():
    assert [s.name for s in D8] == list(NUMPY_EQUIVALENTS)
    assert D8[0] == IDENTITY
    assert len({s.matrix for s in D8}) == 8


@settings(deadline=None)  # a loaded, shared machine must not fail a property on timing
@given(grids(), symmetries)
def test_symmetries_match_numpy(grid, symmetry):
    expected = NUMPY_EQUIVALENTS[symmetry.name](grid.to_numpy())
    assert symmetry.apply_grid(grid) == Grid.from_numpy(np.ascontiguousarray(expected))


@settings(deadline=None)
@given(grids(), composed_grid_transforms)
def test_inverse_after_transform_is_identity_on_grids(grid, transform):
    assert transform.inverse().apply_grid(transform.apply_grid(grid)) == grid
    assert transform.apply_grid(transform.inverse().apply_grid(grid)) == grid


@settings(deadline=None)
@given(grids(), grid_transforms, grid_transforms)
def test_composition_equals_applying_in_turn(grid, first, second):
    assert compose(first, second).apply_grid(grid) == second.apply_grid(first.apply_grid(grid))
    assert first.then(second).apply_grid(grid) == second.apply_grid(first.apply_grid(grid))


@settings(deadline=None)
@given(composed_grid_transforms)
def test_names_parse_back_to_the_same_transform(transform):
    assert parse_transform(transform.name) == transform


@settings(deadline=None)
@given(symmetries, symmetries)
def test_d8_is_closed_under_composition(first, second):
    assert isinstance(first.followed_by(second), Symmetry)
    assert first.followed_by(first.inverse()) == IDENTITY


def test_composite_names_are_canonical():
    assert parse_transform("rot90+rot90").name == "rot180"
    assert parse_transform("rot90+rot270") == IDENTITY
    assert parse_transform("flip_lr+flip_lr").name == "identity"
    composite = parse_transform("colors:12->21+order:1,0,2+rot90")
    assert isinstance(composite, Composite)
    assert composite.name == "rot90+colors:0123456789->0213456789+order:1,0,2"
    assert parse_transform(composite.name) == composite


def test_colour_permutation_spellings():
    perm = parse_transform("colors:0123456789->0987654321")
    assert perm.apply_grid(Grid([[0, 1, 9, 5]])) == Grid([[0, 9, 1, 5]])
    swap = parse_transform("colors:12->21")
    assert swap.name == "colors:0123456789->0213456789"
    assert swap.inverse() == swap


@pytest.mark.parametrize(
    "name",
    [
        "rot45",
        "",
        "rot90+",
        "colors:12->23",
        "colors:11->22",
        "colors:0123",
        "order:0,0,1",
        "order:a",
        "swap:1",
        "swap:-1,0",
        "colors:1->10",
    ],
)
def test_bad_names_raise_a_usage_error_with_the_spellings(name):
    with pytest.raises(TransformError) as info:
        parse_transform(name)
    assert isinstance(info.value, UsageError)
    assert str(info.value)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(TransformError, match="rot90, rot180"):
        parse_transform("spin")


@settings(deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_random_colour_permutation_is_seeded_and_keeps_zero(seed, keep_zero):
    perm = random_color_permutation(seed, keep_zero=keep_zero)
    assert perm == random_color_permutation(seed, keep_zero=keep_zero)
    assert sorted(perm.mapping) == list(range(10))
    if keep_zero:
        assert perm.mapping[0] == 0


def test_random_colour_permutations_vary_with_the_seed():
    assert len({random_color_permutation(seed) for seed in range(20)}) > 10


def test_apply_task_transforms_every_grid_and_records_provenance():
    task = make_task(test_outputs=False)
    rotated = parse_transform("rot90").apply_task(task)
    assert rotated.provenance == Provenance("abc", 2, "rot90")
    assert rotated.train[0].input == Grid([[4, 2, 0], [5, 3, 1]])
    assert rotated.train[0].output == Grid([[0], [9], [8]])
    assert rotated.test[1].output is None
    assert (rotated.id, rotated.version, rotated.source, rotated.signers) == ("abc", 2, "unit", ())
    renamed = IDENTITY.apply_task(task, task_id="abc-x", version=7)
    assert (renamed.id, renamed.version) == ("abc-x", 7)


def test_provenance_chains_to_the_root():
    task = make_task()
    once = parse_transform("rot90").apply_task(task)
    twice = parse_transform("rot90").apply_task(once)
    assert twice.provenance == Provenance("abc", 2, "rot180")
    rebuilt = parse_transform(twice.provenance.transform).apply_task(task)
    assert rebuilt == twice


def test_a_variation_with_its_own_version_is_the_parent():
    stored = parse_transform("transpose").apply_task(make_task(), version=3)
    assert stored.provenance == Provenance("abc", 2, "transpose")
    derived = parse_transform("rot90").apply_task(stored)
    assert derived.provenance == Provenance("abc", 3, "rot90")


@settings(deadline=None)
@given(
    st.one_of(
        composed_grid_transforms,
        st.permutations(range(3)).map(lambda p: TrainOrder(tuple(p))),
        st.tuples(st.integers(0, 2), st.just(0)).map(lambda ij: SwapPair(*ij)),
    ),
    symmetries,
)
def test_inverse_after_transform_is_identity_on_tasks(transform, extra):
    task = make_task()
    for candidate in (transform, compose(transform, extra), compose(extra, transform)):
        back = candidate.inverse().apply_task(candidate.apply_task(task))
        assert back.train == task.train
        assert back.test == task.test


def test_train_order_moves_pairs():
    task = make_task()
    reordered = parse_transform("order:2,0,1").apply_task(task)
    assert reordered.train == (task.train[2], task.train[0], task.train[1])
    assert parse_transform("order:2,0,1").inverse().name == "order:1,2,0"
    with pytest.raises(TransformError, match="task has 3"):
        parse_transform("order:1,0").apply_task(task)


def test_swap_exchanges_a_train_pair_with_a_test_pair():
    task = make_task()
    swapped = parse_transform("swap:1,0").apply_task(task)
    assert swapped.train[1] == task.test[0]
    assert swapped.test[0] == task.train[1]
    assert swapped.provenance.transform == "swap:1,0"


def test_swap_requires_a_test_output():
    with pytest.raises(TransformError, match="test pair 1 has no output"):
        parse_transform("swap:0,1").apply_task(make_task())
    with pytest.raises(TransformError, match="has no output"):
        parse_transform("swap:0,0").apply_task(make_task(test_outputs=False))
    with pytest.raises(TransformError, match="train pairs 0..2"):
        parse_transform("swap:5,0").apply_task(make_task())


def test_pair_moves_leave_grids_alone():
    grid = Grid([[1, 2]])
    for name in ("order:1,0", "swap:0,0"):
        transform = parse_transform(name)
        assert not transform.changes_grids
        assert transform.apply_grid(grid) is grid


def test_transforms_are_frozen_values():
    transform = parse_transform("rot90")
    with pytest.raises(AttributeError):
        transform.symmetry = "rot180"
    assert hash(transform) == hash(Symmetry("rot90"))
    assert str(transform) == "rot90"
