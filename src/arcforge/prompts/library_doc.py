"""A solver library's interface for prompts (``--library-doc``): names, signatures and docstrings.

:func:`library_doc` reads each library's modules as source (the same reading the sandbox does,
:func:`arcforge.sandbox.load_libraries`) and parses them with :mod:`ast`; nothing of a library is
imported or run in the caller's process. For every public top-level function and class (and a
class's public methods) it keeps the ``def`` line and the docstring, never the body; public
top-level names assigned a value are listed by name. The text is capped at :data:`MAX_DOC_CHARS`
characters: definitions past the cap are left out and counted in a last line, so a prompt never
carries a whole 1,500-line DSL. :func:`with_library_doc` gives a copy of a prompt template whose
user section ends with that text (its ``sha256`` covers the text, so a run's ``template_hash``
changes with the library's interface).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import os
from collections.abc import Sequence

from arcforge.errors import UsageError
from arcforge.prompts.templates import PromptTemplate, load_template

__all__ = ["MAX_DOC_CHARS", "library_doc", "module_doc", "run_template", "with_library_doc"]

MAX_DOC_CHARS = 12_000
_MAX_DOCSTRING = 400


def _docstring(node: ast.AsyncFunctionDef | ast.FunctionDef | ast.ClassDef | ast.Module) -> str | None:
    text = ast.get_docstring(node)
    if text is None:
        return None
    return text if len(text) <= _MAX_DOCSTRING else text[: _MAX_DOCSTRING - 3].rstrip() + "..."


def _signature(node: ast.AsyncFunctionDef | ast.FunctionDef, indent: str) -> str:
    """``def name(args) -> ret:`` with the docstring (or ``...``) as its only body line."""
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    line = f"{prefix} {node.name}({ast.unparse(node.args)}){returns}:"
    doc = _docstring(node)
    body = f'"""{doc}"""' if doc else "..."
    body = body.replace("\n", "\n" + indent + "    ")
    return f"{indent}{line}\n{indent}    {body}"


def _entries(name: str, filename: str, source: str) -> list[str]:
    """One text block per public definition of module ``name`` (its docstring's first line first)."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        raise UsageError(
            f"solver library module {name!r} failed to parse: {filename}, line {exc.lineno}: {exc.msg}"
        ) from None
    entries: list[str] = []
    doc = _docstring(tree)
    header = f"# module {name}" + (f": {doc.splitlines()[0]}" if doc else "")
    constants: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            entries.append(_signature(node, ""))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            bases = ", ".join(ast.unparse(base) for base in node.bases)
            lines = [f"class {node.name}({bases}):" if bases else f"class {node.name}:"]
            class_doc = _docstring(node)
            if class_doc:
                lines.append(f'    """{class_doc}"""'.replace("\n", "\n    "))
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    not item.name.startswith("_") or item.name == "__init__"
                ):
                    lines.append(_signature(item, "    "))
            if len(lines) == 1:
                lines.append("    ...")
            entries.append("\n".join(lines))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            constants += [t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")]
    if constants:
        entries.insert(0, "# names: " + ", ".join(constants))
    return [header, *entries]


def module_doc(name: str, filename: str, source: str) -> str:
    """The interface text of one module's source (no cap)."""
    return "\n\n".join(_entries(name, filename, source))


def library_doc(paths: Sequence[str | os.PathLike[str]], *, max_chars: int = MAX_DOC_CHARS) -> str:
    """The interface text of the libraries at ``paths`` (read and parsed, never imported), capped."""
    from arcforge.sandbox import load_libraries

    blocks: list[str] = []
    names: list[str] = []
    for library in load_libraries(list(paths)):
        for name, (filename, source) in sorted(library.modules.items()):
            names.append(name)
            blocks += _entries(name, filename, source)
    intro = (
        "Your program may import these solver library modules ("
        + ", ".join(names)
        + "), e.g. `from "
        + (names[0] if names else "dsl")
        + " import *`. Their interface (bodies not shown):"
    )
    kept: list[str] = []
    size = len(intro)
    for index, block in enumerate(blocks):
        if size + len(block) + 2 > max_chars - 120:  # room for the last line and the fences
            left = sum(1 for b in blocks[index:] if not b.startswith("# module "))
            kept.append(
                f"# ... {left} more definitions not shown (the library doc is capped at {max_chars} characters)"
            )
            break
        kept.append(block)
        size += len(block) + 2
    return intro + "\n\n```python\n" + "\n\n".join(kept) + "\n```"


def with_library_doc(template: PromptTemplate, paths: Sequence[str | os.PathLike[str]]) -> PromptTemplate:
    """``template`` with the libraries' interface appended to its user section (hash covers it)."""
    if not paths:
        return template
    text = library_doc(paths)
    escaped = text.replace("$", "$$")  # the sections are string.Template text
    sha = hashlib.sha256((template.sha256 + "\0" + text).encode()).hexdigest()
    return dataclasses.replace(
        template, user=template.user.rstrip("\n") + "\n\n" + escaped + "\n", sha256=sha
    )


def run_template(
    agent: str, name: str | None = None, doc_libraries: Sequence[str | os.PathLike[str]] = ()
) -> PromptTemplate:
    """The template a run asks ``agent`` with: ``name`` (default: the agent's own), which must be for
    that agent (a :class:`UsageError` otherwise), with ``doc_libraries``' interface appended
    (``--library-doc``; give none without it)."""
    template = load_template(name or agent)
    if template.agent != agent:
        raise UsageError(f"prompt template {template.name} is for the {template.agent} agent, not {agent}")
    return with_library_doc(template, doc_libraries)
