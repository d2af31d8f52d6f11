"""Every UI string of the portal, the workbench and the shared layout has a Chinese translation.

The shared layout (src/kefu/templates) belongs to no app, so its strings are listed in
kefu/portal/ui_strings.py for makemessages; this test catches a string added to a template but not there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

import kefu

ROOT = Path(kefu.__file__).parent
TEMPLATES = sorted([*ROOT.glob("templates/*.html"), *ROOT.glob("portal/templates/**/*.html"),
                    *ROOT.glob("workbench/templates/**/*.html")])
TRANSLATE = re.compile(r"""{%\s*translate\s+(["'])(.+?)\1(?:\s+context\s+(["'])(.+?)\3)?\s*%}""")
BLOCK = re.compile(r"{%\s*blocktranslate\b[^%]*%}(.+?){%\s*(?:plural|endblocktranslate)\s*%}", re.S)


def template_strings() -> list[tuple[str, str | None, str]]:
    found = []
    for path in TEMPLATES:
        text = path.read_text()
        for match in TRANSLATE.finditer(text):
            found.append((path.name, match.group(4), match.group(2)))
        for match in BLOCK.finditer(text):
            # as makemessages writes it: a literal % doubled, then each {{ variable }} as %(variable)s
            msgid = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", match.group(1).replace("%", "%%"))
            found.append((path.name, None, msgid))
    return found


def test_templates_were_found():
    assert len(TEMPLATES) >= 10 and len(template_strings()) > 100


@pytest.mark.parametrize(("template", "context", "msgid"), template_strings(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_translated_into_chinese(template, context, msgid):
    with translation.override("zh-hans"):
        zh = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    assert zh != msgid, f"{template}: {msgid!r} has no zh-hans translation"
    assert re.search(r"[\u4e00-\u9fff]", zh), f"{template}: {msgid!r} -> {zh!r} has no Chinese in it"


def catalog_entries() -> list[tuple[str, str | None, str, str]]:
    """(app, context, msgid, msgstr) of the portal and workbench catalogs, plural forms left out."""
    entries = []
    for app in ("portal", "workbench"):
        po = (ROOT / app / "locale/zh_Hans/LC_MESSAGES/django.po").read_text()
        for block in po.split("\n\n"):
            if "msgid_plural" in block:
                continue
            msgid = re.search(r'^msgid "(.+)"$', block, re.M)
            msgstr = re.search(r'^msgstr "(.+)"$', block, re.M)
            context = re.search(r'^msgctxt "(.+)"$', block, re.M)
            if msgid and msgstr:
                entries.append((app, context and context.group(1), msgid.group(1), msgstr.group(1)))
    return entries


@pytest.mark.parametrize(("app", "context", "msgid", "msgstr"), catalog_entries(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_no_other_catalog_shadows_ours(app, context, msgid, msgstr):
    """Catalogs of LOCALE_PATHS and of apps listed earlier (django.contrib.*, core, commerce) win on the
    same msgid; give a clashing string a context or another wording instead."""
    with translation.override("zh-hans"):
        shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    assert shown == msgstr.replace('\\"', '"'), f"{app}: {msgid!r} shows {shown!r}, not ours {msgstr!r}"
