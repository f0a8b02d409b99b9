"""Reading a child's result lines: whatever a hostile program writes to its pipe, the parent makes
typed results of it, and grids without a line get the status of how the process ended."""

from __future__ import annotations

import signal

from arcforge.sandbox.results import GridResult, Limits, ending_result, results_from_wire
from arcforge.task.grid import Grid

LIMITS = Limits(wall_s=2, memory_bytes=256 << 20)
EXITED = {"killed": False, "signal": 0, "exit": 0, "cpu_s": 0.01, "max_rss_kib": 30_000}


def test_lines_are_validated_one_by_one() -> None:
    data = b"\n".join(
        [
            b'{"i":0,"s":"ok","h":1,"w":2,"c":"12"}',
            b'{"i":0,"s":"ok","h":1,"w":1,"c":"9"}',  # a second line for grid 0 does not count
            b"not json at all",
            b'["a list"]',
            b'{"i":7,"s":"ok","h":1,"w":1,"c":"1"}',  # no grid 7
            b'{"i":1,"s":"ok","h":1,"w":2,"c":"1a"}',  # a digit that is not one
            b'{"i":2,"s":"pwned","e":"x"}',
            b'{"i":3,"s":"ok","h":31,"w":1,"c":"' + b"1" * 31 + b'"}',
            b'{"i":4,"s":"exception","e":"Traceback ...","o":"printed"}',
            b'{"i":"5","s":"ok","h":1,"w":1,"c":"1"}',
        ]
    )
    results = results_from_wire(data, 6, EXITED, LIMITS)
    assert results[0] == GridResult("ok", output=Grid([[1, 2]]))
    assert results[1].status == "invalid_output"
    assert results[2].status == "exception" and "malformed" in results[2].error
    assert results[3].status == "invalid_output"
    assert results[4] == GridResult("exception", error="Traceback ...", stdout="printed")
    # Lines that are no result line at all (a hostile program writing to the channel): the grids
    # left without a line are that program's invalid output, never an error of the caller.
    assert results[5].status == "invalid_output" and "result channel" in results[5].error


def test_a_confinement_failure_is_reported_for_every_grid() -> None:
    results = results_from_wire(b'{"fatal":"could not confine"}\n', 2, {**EXITED, "exit": 70}, LIMITS)
    assert results == [GridResult("exception", error="could not confine")] * 2


def test_endings() -> None:
    assert ending_result({**EXITED, "killed": True}, LIMITS).status == "timeout"
    cpu = ending_result({**EXITED, "signal": signal.SIGKILL, "cpu_s": 1.99}, LIMITS)
    assert cpu.status == "timeout" and "CPU" in cpu.error
    assert ending_result({**EXITED, "signal": signal.SIGXCPU}, LIMITS).status == "timeout"
    memory = ending_result({**EXITED, "signal": signal.SIGSEGV, "max_rss_kib": 250 << 10}, LIMITS)
    assert memory.status == "memory"
    crash = ending_result({**EXITED, "signal": signal.SIGSEGV}, LIMITS)
    assert crash.status == "exception" and "SIGSEGV" in crash.error and "stack overflow" in crash.error
    assert "file size" in ending_result({**EXITED, "signal": signal.SIGXFSZ}, LIMITS).error
    killed = ending_result({**EXITED, "signal": signal.SIGKILL}, LIMITS)
    assert killed.status == "exception" and "SIGKILL" in killed.error
    assert "exit status 3" in ending_result({**EXITED, "exit": 3}, LIMITS).error
