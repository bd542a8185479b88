"""Chinese is the default language and must be complete: every msgid of the catalogue has its
Chinese, every message our errors carry is marked for translation, and no template shows a
word that does not go through {% trans %} or {% blocktrans %}."""

import ast
import io
import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "platform" / "plumbline" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
APPS = ["projects", "signage", "bim", "inspections", "acceptance", "insurance", "archive", "platform/plumbline"]

# the classes of platform/plumbline/errors.py: their first argument is read by a person
ERROR_CLASSES = {
    "DomainError",
    "NotFound",
    "PermissionDenied",
    "Conflict",
    "InvalidTransition",
    "InvalidInput",
    "PayloadTooLarge",
    "Unavailable",
}

# words a template may show untranslated: names of standards, formats and the product, units and
# axes, the "v" of "v3", and each language's own name on the language switch
ALLOWED_WORDS = {"Plumbline", "IFC", "BIM", "BCF", "IDS", "GlobalId", "QR", "SVG", "PNG", "API", "ID"}
ALLOWED_WORDS |= {"mm", "m", "x", "y", "v", "dx", "dy", "dz", "中文", "English"}


def catalogue_entries(text: str) -> list[dict]:
    """The entries of a .po file: msgid, msgstr (joined), flags, line number."""
    entries, entry, key = [], None, None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            entry, key = None, None
            continue
        glued = entry is not None and line.startswith(("#", "msgid ", "msgctxt ")) and key == "msgstr"
        if entry is None or glued:  # an entry glued to the one before it still counts on its own
            entry = {"msgid": "", "msgstr": "", "flags": set(), "line": number, "obsolete": False}
            entries.append(entry)
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid ", "msgstr ", "msgctxt ", "msgid_plural ", "msgstr[")):
            key, _, rest = line.partition(" ")
            key = "msgstr" if key.startswith("msgstr") else key
            entry[key] = entry.get(key, "") + ast.literal_eval(rest)
            entry["line"] = entry["line"] if key != "msgid" else number
        elif line.startswith('"') and key:
            entry[key] = entry.get(key, "") + ast.literal_eval(line)
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


def test_every_message_of_the_chinese_catalogue_has_its_chinese():
    entries = catalogue_entries(CATALOGUE.read_text(encoding="utf-8"))
    assert len(entries) > 200, "the .po parser found too few entries"
    untranslated = [f"line {e['line']}: {e['msgid']!r}" for e in entries if not e["msgstr"].strip()]
    fuzzy = [f"line {e['line']}: {e['msgid']!r}" for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [], "msgids without Chinese:\n" + "\n".join(untranslated)
    assert fuzzy == [], "fuzzy (unchecked) translations:\n" + "\n".join(fuzzy)


def test_no_msgid_appears_twice_in_the_catalogue():
    entries = catalogue_entries(CATALOGUE.read_text(encoding="utf-8"))
    seen, twice = set(), []
    for e in entries:
        key = (e.get("msgctxt", ""), e["msgid"])
        if key in seen:
            twice.append(e["msgid"])
        seen.add(key)
    assert twice == []


def _is_plain_text(node: ast.AST) -> bool:
    """A str literal, an f-string, or text built from them with + or % (not through gettext)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search(r"[A-Za-z\u4e00-\u9fff]", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and re.search(r"[A-Za-z]", v.value) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _is_plain_text(node.left) or (isinstance(node.op, ast.Add) and _is_plain_text(node.right))
    if isinstance(node, ast.IfExp):
        return _is_plain_text(node.body) or _is_plain_text(node.orelse)
    return False


def untranslated_error_messages(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in ERROR_CLASSES:
            continue
        messages = node.args[:1] + [k.value for k in node.keywords if k.arg == "detail"]
        if any(_is_plain_text(m) for m in messages):
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:120]}")
    return found


def test_the_rule_finds_plain_and_formatted_messages_and_passes_gettext():
    code = (
        'raise NotFound("No sign.")\n'
        'raise Conflict(f"Sign {n} exists.")\n'
        'raise InvalidInput("A " + name, field="x")\n'
        'raise errors.PermissionDenied("No %s" % x)\n'
        'raise NotFound(_("No sign."))\n'
        'raise Conflict(_("Sign %(n)s exists.") % {"n": n})\n'
        "raise InvalidInput(str(exc))\n"
    )
    assert [line.split(":")[1] for line in untranslated_error_messages(code, "x.py")] == ["1", "2", "3", "4"]


def test_every_error_message_goes_through_gettext():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found += untranslated_error_messages(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "error messages not marked for translation:\n" + "\n".join(found)


_TAG = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", re.S | re.I)
_VISIBLE_ATTRIBUTE = re.compile(r"""\b(?:title|placeholder|alt|aria-label)\s*=\s*["']([^"'{]*)""", re.I)
_ENTITY = re.compile(r"&[#\w]+;")


def untranslated_template_text(source: str) -> list[str]:
    """Words a template shows outside {% trans %}/{% blocktrans %} (tags, scripts, styles,
    variables and allowed names aside)."""
    found, depth, text = [], 0, []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            word = token.contents.split()[0] if token.contents.split() else ""
            if word in ("blocktrans", "blocktranslate"):
                depth += 1
            elif word in ("endblocktrans", "endblocktranslate"):
                depth -= 1
        elif token.token_type == TokenType.TEXT and depth == 0:
            text.append((token.lineno, token.contents))
    # tags may span tokens ({% url %} inside href="..."), so strip them from the joined text per line
    joined = "".join(f"\x00{lineno}\x00{contents}" for lineno, contents in text)
    visible = _VISIBLE_ATTRIBUTE.findall(joined)
    stripped = _ENTITY.sub(" ", _TAG.sub(" ", joined))
    for chunk in re.split(r"\x00\d+\x00", stripped) + visible:
        for word in re.findall(r"[A-Za-z\u4e00-\u9fff][A-Za-z\u4e00-\u9fff'-]*", chunk):
            if word not in ALLOWED_WORDS:
                found.append(word)
    return found


def test_the_template_rule_finds_bare_words_only():
    source = (
        "{% load i18n %}<h1 title=\"Plan\">{% trans 'Plan' %}</h1>"
        "<p>{% blocktrans %}Hello {{ name }}{% endblocktrans %}</p>"
        "<script>const x = 'word';</script><b>{{ x }} · IFC</b><i>Storey</i><span>楼层</span>"
    )
    assert untranslated_template_text(source) == ["Storey", "楼层", "Plan"]


def test_every_template_shows_only_translated_text():
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("templates/**/*.html")):
            words = untranslated_template_text(path.read_text(encoding="utf-8"))
            if words:
                found[str(path.relative_to(ROOT))] = words
    assert found == {}, f"template text not marked for translation: {found}"


def test_each_chinese_message_keeps_the_placeholders_of_its_msgid():
    placeholder = re.compile(r"%\(\w+\)[sdrf]|\{\w+\}")
    entries = catalogue_entries(CATALOGUE.read_text(encoding="utf-8"))
    differ = [
        e["msgid"]
        for e in entries
        if e["msgstr"] and sorted(set(placeholder.findall(e["msgid"]))) != sorted(set(placeholder.findall(e["msgstr"])))
    ]
    assert differ == []


@pytest.mark.django_db
def test_the_audit_command_reports_in_chinese_by_default(world):
    from django.core.management import call_command
    from django.utils import translation

    out = io.StringIO()
    translation.deactivate()  # as `plumbline audit verify` runs: no language chosen, the default one
    call_command("audit", "verify", stdout=out)
    assert "完好" in out.getvalue() and "intact" not in out.getvalue()
