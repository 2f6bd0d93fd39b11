# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Translation checks shared by the car-portal addons ("Persian first").

An addon's test reuses them in a few lines::

    from odoo.addons.car_portal_orders.tests.translation_common import (
        TranslationCase,
    )

    class TestTranslations(TranslationCase):
        translated_module = "car_portal_sepidar"

        def test_po_file_is_complete(self):
            self.assertPoComplete()

        def test_translations_are_loaded(self):
            self.assertTermsLoaded()

The terms are extracted from the installed module exactly as Odoo's exporter
does (``--i18n-export``, ``TranslationModuleReader``): Python ``_()`` /
``env._()`` strings, JavaScript ``_t()`` strings, and the translatable fields
of the module's records (views, QWeb templates, menus, actions, mail
templates, selections, field labels and help...). The ``.po`` file is read
with Odoo's own ``PoFileReader``, which also merges the module's ``.pot`` the
way Odoo does when it loads translations.
"""

import csv
import os
import re
from collections import defaultdict, namedtuple

from lxml import etree, html

from odoo.modules.module import get_manifest, get_module_path
from odoo.tests.common import TransactionCase
from odoo.tools.translate import PoFileReader, TranslationModuleReader

PERSIAN = "fa_IR"

Term = namedtuple("Term", "type name res_id value")

# Placeholders that must survive translation unchanged: printf-style
# (``%(name)s``, ``%s``), inline templates (``{{ expr }}``) and QWeb
# directives with their expression (``t-out="..."``).
_PLACEHOLDER = re.compile(
    r"%\(\w+\)[sdfrg]|%[sdfrg]|\{\{.*?\}\}|\bt-[\w-]+=\"[^\"]*\"", re.DOTALL
)
# A Latin word left in a text meant to be Persian.
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_PERSIAN_LETTER = re.compile(r"[\u0600-\u06ff]")


def po_path(module, lang=PERSIAN):
    """The ``.po`` file of ``module`` for ``lang`` (``i18n/fa.po`` for fa_IR)."""
    return os.path.join(get_module_path(module), "i18n", lang.split("_")[0] + ".po")


def pot_path(module):
    return os.path.join(get_module_path(module), "i18n", module + ".pot")


_TAG_MODELS = {"template": "ir.ui.view", "menuitem": "ir.ui.menu"}


def _file_xmlids(path):
    """``[(xmlid, model)]`` declared by a data file (XML or CSV)."""
    if path.endswith(".xml"):
        return [
            (node.get("id"), _TAG_MODELS.get(node.tag, node.get("model")))
            for node in etree.parse(path).iter(tag=etree.Element)
            if node.get("id")
        ]
    if path.endswith(".csv"):
        model = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8", newline="") as csv_file:
            return [(row["id"], model) for row in csv.DictReader(csv_file)]
    return []


def _declared_xmlids(env, module, kind):
    """The external ids declared by the ``kind`` ("data" or "demo") files of the
    module's manifest, with the ids Odoo derives for ``_inherits`` parents."""
    xmlids = set()
    for path in get_manifest(module).get(kind, []):
        for xmlid, model in _file_xmlids(os.path.join(get_module_path(module), path)):
            xmlid = xmlid if "." in xmlid else f"{module}.{xmlid}"
            xmlids.add(xmlid)
            if model in env:
                xmlids.update(
                    f"{xmlid}_{parent.replace('.', '_')}"
                    for parent in env[model]._inherits
                )
    return xmlids


def demo_xmlids(env, module):
    """Records that only the demo files declare: their (already Persian) texts
    are not part of the module's translation template."""
    return _declared_xmlids(env, module, "demo") - _declared_xmlids(env, module, "data")


def module_terms(env, module, lang=PERSIAN):
    """``{source: [Term, ...]}``: what ``--i18n-export`` extracts for ``module``
    (demo records left out, as in a template exported without demo data).

    ``Term.value`` is what Odoo serves in ``lang`` right now: the translation
    stored in the database for record terms, the one read from the ``.po``
    file for code terms; empty when the term is shown untranslated.
    """
    reader = TranslationModuleReader(env.cr, modules=[module], lang=lang)
    demo = demo_xmlids(env, module)
    terms = defaultdict(list)
    for term_module, ttype, name, res_id, source, value, _comments in reader:
        if term_module != module:
            continue
        if ttype in ("model", "model_terms") and res_id in demo:
            continue
        terms[source].append(Term(ttype, name, res_id, value or ""))
    return dict(terms)


def read_po(module, lang=PERSIAN):
    """``(translations, fuzzy)`` of the module's ``.po`` file for ``lang``, read
    by Odoo's ``PoFileReader`` (which merges the ``.pot``, as at loading):
    ``{source: translation}`` and the fuzzy sources."""
    reader = PoFileReader(po_path(module, lang))
    translations = {}
    for row in reader:
        translations.setdefault(row["src"], row["value"] or "")
    fuzzy = sorted(
        entry.msgid
        for entry in reader.pofile
        if entry.fuzzy and not entry.obsolete and entry.msgid
    )
    return translations, fuzzy


def placeholders(text):
    """The placeholders of a term, sorted (see ``_PLACEHOLDER``)."""
    return sorted(_PLACEHOLDER.findall(text))


def markup(text):
    """The tags and attributes of an HTML/XML term, sorted; None if it has none.

    Odoo silently keeps the source of a view or template term whose
    translation does not have the same structure."""
    if "<" not in text:
        return None
    root = html.fragment_fromstring(text, create_parent="div")
    return sorted(
        (node.tag, sorted(node.attrib.items()))
        for node in root.iter(tag=etree.Element)
        if node is not root
    )


def _short(text, size=90):
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def ensure_language(env, lang, modules):
    """Make ``lang`` active; when it was not, load the terms of ``modules``
    into the database (as installing with ``--load-language`` would)."""
    Lang = env["res.lang"].with_context(active_test=False)
    if not Lang.search([("code", "=", lang), ("active", "=", True)]):
        env["res.lang"]._activate_lang(lang)
        env["ir.module.module"]._load_module_terms(modules, [lang], overwrite=True)
    return env["res.lang"]._lang_get(lang)


class TranslationCase(TransactionCase):
    """Assertions on the translation of ``translated_module`` into
    ``translated_lang``. Holds no test itself: a subclass in each addon
    declares the tests it wants."""

    translated_module = None
    translated_lang = PERSIAN

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert cls.translated_module, "set translated_module on the test class"
        ensure_language(cls.env, cls.translated_lang, [cls.translated_module])
        cls._terms = None

    @property
    def terms(self):
        """The module's terms (``module_terms``), extracted once per class."""
        cls = type(self)
        if cls._terms is None:
            cls._terms = module_terms(
                self.env, self.translated_module, self.translated_lang
            )
        return cls._terms

    def _fail_listing(self, title, items):
        if items:
            self.fail(
                f"{title} ({len(items)}):\n" + "\n".join(f"  - {i}" for i in items)
            )

    def assertPoComplete(self):
        """Every term of the module has a translation in its ``.po`` file, with
        the placeholders and markup of the source, and nothing is fuzzy."""
        module, lang = self.translated_module, self.translated_lang
        self.assertTrue(self.terms, f"no term extracted from {module}")
        if os.path.exists(pot_path(module)):
            with open(pot_path(module), "rb") as pot_file:
                pot_sources = {row["src"] for row in PoFileReader(pot_file)}
            self._fail_listing(
                f"Terms of {module} missing from i18n/{module}.pot; regenerate it "
                "(--i18n-export) and merge it into the .po files",
                sorted(_short(src) for src in set(self.terms) - pot_sources),
            )
        translations, fuzzy = read_po(module, lang)
        untranslated = sorted(
            f"{_short(src)}   [{self.terms[src][0].type}:{self.terms[src][0].name}]"
            for src in self.terms
            if not translations.get(src, "").strip()
        )
        self._fail_listing(
            f"Terms of {module} without a translation in {po_path(module, lang)}",
            untranslated,
        )
        self._fail_listing(
            f"Fuzzy entries in {po_path(module, lang)}: review them, then drop "
            "the fuzzy flag",
            [_short(src) for src in fuzzy],
        )
        broken = []
        for src in sorted(self.terms):
            value = translations[src]
            if placeholders(src) != placeholders(value):
                broken.append(f"placeholders differ: {_short(src)}")
            try:
                same_markup = markup(src) == markup(value)
            except (etree.ParserError, ValueError):
                same_markup = False
            if not same_markup:
                broken.append(f"markup differs: {_short(src)}")
        self._fail_listing("Translations that do not match their source", broken)

    def assertTermsLoaded(self):
        """The translations of the ``.po`` file are the ones Odoo serves: for
        record terms the database holds them (Odoo drops a view term whose
        markup it cannot apply), for code terms the file is read at run time."""
        translations, _fuzzy = read_po(self.translated_module, self.translated_lang)
        missing = sorted(
            f"{_short(src)}   [{term.type}:{term.name}:{term.res_id}]"
            for src, terms in self.terms.items()
            for term in terms
            if translations.get(src, "").strip()
            and translations[src] != src
            and not term.value
        )
        self._fail_listing(
            f"Terms of {self.translated_module} not served in "
            f"{self.translated_lang} (update the module to load its .po file)",
            missing,
        )

    def assertPersian(self, text, allowed=()):
        """``text`` (plain or HTML) reads in Persian: it has Persian letters
        and no Latin word besides the ``allowed`` values (names, numbers...)."""
        if "<" in text:
            text = html.fragment_fromstring(text, create_parent="div").text_content()
        for value in sorted(allowed, key=len, reverse=True):
            text = text.replace(value, " ")
        self.assertRegex(text, _PERSIAN_LETTER, "no Persian text")
        latin = _LATIN_WORD.findall(text)
        self.assertFalse(latin, f"Latin words {latin} left in: {_short(text, 300)}")

    def render_template(self, xmlid, record, fields=("subject", "body_html")):
        """Render the fields of mail template ``xmlid`` for ``record`` in the
        language the template computes (its ``lang`` field), as mail does."""
        template = self.env.ref(xmlid)
        return {
            fname: template._render_field(fname, record.ids, compute_lang=True)[
                record.id
            ]
            for fname in fields
        }
