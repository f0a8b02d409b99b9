import json
import os
import re
import subprocess
import sys
from pathlib import Path

from arcforge.cli import main
from arcforge.cli._terminal import printable, render_diff, render_grid, render_side_by_side
from arcforge.task import Grid
from arcforge.testing import ScriptedServer, error, reply

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


# --- printable: text a program or a model wrote, safe to print --------------------------------------

# Clear the screen, write the clipboard (OSC 52), overwrite the line with a fake verdict, 8-bit CSI,
# a bidi override, a bell, DEL and a line separator.
HOSTILE = "\x1b[2J\x1b]52;c;ZXZpbA==\x07\rtrain[0]: passed\x9b31m\u202eevil\u2066\x7f\u2028end"
DANGEROUS = ["\x1b", "\x07", "\r", "\x9b", "\u202e", "\u2066", "\x7f", "\u2028"]


def test_printable_escapes_every_steering_character_and_keeps_lines():
    shown = printable(HOSTILE + "\nline two\tcell")
    assert not any(ch in shown for ch in DANGEROUS)
    assert shown.startswith("\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07\\rtrain[0]: passed\\x9b31m\\u202eevil")
    assert shown.endswith("\nline two\tcell")
    assert printable("a\nb\tc", multiline=False) == "a\\nb\\tc"
    assert printable("plain text, ünïcode and emoji \U0001f600") == "plain text, ünïcode and emoji \U0001f600"
    every_control = "".join(chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\n\t")
    assert all(ch.isprintable() for ch in printable(every_control))


def _visible(text: str) -> None:
    assert not any(ch in text for ch in DANGEROUS), repr(text)


def test_sandbox_run_prints_a_programs_exception_escaped(tmp_path: Path, capsys) -> None:
    program = tmp_path / "solver.py"
    program.write_text(f"def solve(grid):\n    raise ValueError({HOSTILE!r})\n")
    code = main(["sandbox", "run", str(program), "--task", "00576224", "--dataset", "arc-agi-2/training"])
    out = capsys.readouterr().out
    assert code == 1 and "ERROR (exception)" in out
    _visible(out)
    assert "\\x1b]52;c;ZXZpbA==" in out  # shown, not obeyed


def _chat(tmp_path: Path, base_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    environ["ARCFORGE_HOME"] = str(tmp_path / "home")
    command = ["models", "chat", "openai:any", "hi", "--base-url", base_url, *extra]
    return subprocess.run(
        [sys.executable, "-m", "arcforge", *command],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_models_chat_prints_a_hostile_reply_escaped(tmp_path: Path) -> None:
    with ScriptedServer([reply(HOSTILE), reply(HOSTILE, chunk_delay_s=0.01)]) as server:
        plain = _chat(tmp_path, server.base_url)
        streamed = _chat(tmp_path, server.base_url, "--stream")
    for done in (plain, streamed):
        assert done.returncode == 0, done.stderr
        _visible(done.stdout)
        assert "train[0]: passed" in done.stdout and "\\x1b[2J" in done.stdout


def test_traces_list_prints_hostile_trace_text_and_authors_escaped(tmp_path: Path, capsys) -> None:
    store = {
        "aa11bb22": [
            {
                "trace_id": "aa11bb22_m_1",
                "task_id": "aa11bb22",
                "username": "model\x1b[2K\nfake",
                "text": HOSTILE,
                "score": 0,
                "timestamp": 1745946045.0,
                "voters": {},
            }
        ]
    }
    source = tmp_path / "store.json"
    source.write_text(json.dumps(store))
    db = f"sqlite:///{tmp_path / 't.db'}"
    assert main(["traces", "import", str(source), "--db", db]) == 0
    for extra in ([], ["--full"]):
        capsys.readouterr()
        assert main(["traces", "list", "--db", db, *extra]) == 0
        out = capsys.readouterr().out
        _visible(out)
        assert "model\\x1b[2K\\nfake" in out


def test_an_error_message_quoting_a_server_is_printed_escaped(tmp_path: Path) -> None:
    with ScriptedServer([error(400, HOSTILE)]) as server:
        done = _chat(tmp_path, server.base_url)
    assert done.returncode == 1 and "arcforge: error:" in done.stderr
    _visible(done.stderr)
