"""Pipelines: generation (reasoning, code), verification, export, benchmarks and reports.

Each module is one step a command runs; modules are imported directly
(``from arcforge.pipelines.generate import generate_run``), so importing this package loads nothing.
"""
