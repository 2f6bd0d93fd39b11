"""The addons stay readable: no Python file over 700 lines, no function over 60.

Issue 14 cut the two central classes along their seams; this keeps them cut.
A function is counted from its ``def`` (decorators excluded) to its last line,
docstring included.
"""

import ast
from pathlib import Path

import pytest

ADDONS = Path(__file__).resolve().parents[1] / "addons"
MAX_FILE_LINES = 700
MAX_FUNCTION_LINES = 60
FILES = sorted(ADDONS.rglob("*.py"))


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ADDONS)))
def test_file_and_function_sizes(path):
    text = path.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    assert lines <= MAX_FILE_LINES, f"{lines} lines (at most {MAX_FILE_LINES})"
    long = [
        f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
        for node in _functions(ast.parse(text))
        if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_there_are_files_to_check():
    assert len(FILES) > 50
