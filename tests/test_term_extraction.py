"""Every Python file of the addons can be read by Odoo's term extraction.

Odoo exports code terms with babel's Python extractor, which evaluates the
arguments of each ``_()`` call; when it fails on a file (an f-string among the
arguments, say) Odoo logs the error and leaves the whole file's terms out of
the .pot, so the fa.po check passes while the file's messages stay English.
"""

from pathlib import Path

import pytest
from babel.messages import extract

ADDONS = Path(__file__).resolve().parents[1] / "addons"
FILES = sorted(p for p in ADDONS.rglob("*.py") if "tests" not in p.parts)
# What odoo.tools.translate.TranslationModuleReader gives babel for Python.
KEYWORDS = {"_": None, "_lt": None}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ADDONS)))
def test_odoo_can_extract_the_terms_of(path):
    with path.open("rb") as source:
        terms = list(extract.extract("python", source, keywords=KEYWORDS))
    assert all(isinstance(term[1], str) for term in terms)


def test_the_check_catches_an_f_string_argument(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('fee = 1\nmessage = _("%(fee)s Rial", fee=f"{fee:,.0f}")\n')
    with bad.open("rb") as source, pytest.raises(NameError):
        list(extract.extract("python", source, keywords=KEYWORDS))
