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
APPS = [
    "projects",
    "signage",
    "bim",
    "inspections",
    "acceptance",
    "insurance",
    "supervision",
    "archive",
    "platform/plumbline",
]

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
ALLOWED_WORDS = {"Plumbline", "IFC", "BIM", "BCF", "IDS", "GlobalId", "QR", "SVG", "PNG", "API", "ID", "CSV", "XLSX"}
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


# Django looks up {% translate "..." %} with every % doubled, so a msgid with %(name)s placeholders
# never matches its catalogue entry there: such strings need {% blocktranslate %}.
_TRANSLATE_WITH_PERCENT = re.compile(r"""\{%\s*(?:trans|translate)\s+(["'])([^"']*%[^"']*)\1""")


def templates():
    for app in APPS:
        yield from sorted((ROOT / app).rglob("templates/**/*.html"))


def test_no_translate_tag_holds_a_percent_placeholder():
    found = [
        f"{path.relative_to(ROOT)}: {m.group(2)!r}"
        for path in templates()
        for m in _TRANSLATE_WITH_PERCENT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "use {% blocktranslate %} for these:\n" + "\n".join(found)


def test_the_strings_handed_to_the_tablet_scripts_come_in_chinese():
    from django.template.loader import get_template
    from django.utils import translation

    with translation.override("zh-hans"):
        queue = get_template("inspections/_queue.html").render({})
        claims = get_template("insurance/_claim_queue.html").render({})
    assert 'data-waiting-text="%(count)s 条等待发送"' in queue
    assert 'data-other-user="等待 %(user)s 登录"' in queue
    assert 'data-unanswered="尚未作答的项目：%(items)s"' in queue
    assert 'data-waiting-text="%(count)s 条等待发送"' in claims
    assert "waiting to send" not in queue + claims


# The scripts under static/ show only text the page hands them in data-* attributes: each key a
# script reads through t("key") is an attribute of a page that loads it, and the attributes such a
# script reads carry no bare words (they go through the translation tags or come from the view).
_SCRIPT_TAG = re.compile(r"""\{%\s*static\s+["']([\w/.-]+\.js)["']""")
_INCLUDE = re.compile(r"""\{%\s*include\s+["']([\w/.-]+\.html)["']""")
_DATA_ATTRIBUTE = re.compile(r"""\bdata-([\w-]+)=(["'])(.*?)\2""", re.S)
_BLOCK_TRANSLATION = re.compile(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S)
_TEMPLATE_CODE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
# data attributes scripts read that are not text on the screen (a download's ASCII file name)
NOT_SHOWN_BY_SCRIPTS = {"fileName"}


def _dataset_key(attribute: str) -> str:
    return re.sub(r"-([a-z])", lambda m: m.group(1).upper(), attribute)


def _attributes_seen_by(script: str, by_name: dict) -> dict:
    """data-* attributes (dataset key -> raw value) of the pages that load a script, with the
    partials those pages include."""
    attributes = {}
    for path in by_name.values():
        source = path.read_text(encoding="utf-8")
        if script not in _SCRIPT_TAG.findall(source):
            continue
        sources = [source] + [
            by_name[name].read_text(encoding="utf-8") for name in _INCLUDE.findall(source) if name in by_name
        ]
        for text in sources:
            # template code may hold quotes of its own: set it aside while the attributes are read
            code = []
            masked = _TEMPLATE_CODE.sub(
                lambda m, code=code: code.append(m.group(0)) or f"\x01{len(code) - 1}\x01", text
            )
            for m in _DATA_ATTRIBUTE.finditer(masked):
                value = re.sub(r"\x01(\d+)\x01", lambda n, code=code: code[int(n.group(1))], m.group(3))
                attributes[_dataset_key(m.group(1))] = value
    return attributes


def test_every_string_a_script_shows_is_translated():
    by_name = {}
    for path in templates():
        parts = path.parts
        by_name["/".join(parts[parts.index("templates") + 1 :])] = path
    problems = []
    for app in APPS:
        for script_path in sorted((ROOT / app).rglob("static/**/*.js")):
            script = "/".join(script_path.parts[script_path.parts.index("static") + 1 :])
            code = script_path.read_text(encoding="utf-8")
            attributes = _attributes_seen_by(script, by_name)
            for fallback in re.findall(r"""dataset\.\w+\s*\|\|\s*(["'][^"']*[A-Za-z][^"']*["'])""", code):
                problems.append(f"{script}: an English fallback {fallback}")
            for key in re.findall(r"""\bt\(\s*["'](\w+)["']""", code):
                if not any(k == key or (key.endswith("_") and k.startswith(key)) for k in attributes):
                    problems.append(f"{script}: t({key!r}) has no data attribute on the pages that load it")
            read = set(re.findall(r"\b(?:text|dataset)\.(\w+)", code)) | set(
                re.findall(r"""\bt\(\s*["'](\w+)["']""", code)
            )
            for key, value in attributes.items():
                if key.endswith("Url") or key in NOT_SHOWN_BY_SCRIPTS:
                    continue
                if not any(key == r or (r.endswith("_") and key.startswith(r)) for r in read):
                    continue
                bare = _TEMPLATE_CODE.sub(" ", _BLOCK_TRANSLATION.sub(" ", value))
                if re.search(r"[A-Za-z]{2,}", bare) and not bare.strip().startswith("/"):
                    problems.append(f"{script}: data-{key} shows {value!r} untranslated")
    assert problems == [], "\n".join(problems)


# A status word several apps use means one thing in Chinese only if it means one thing in each of
# them; otherwise each use takes a context (pgettext). These were checked to read the same.
SAME_IN_EVERY_APP = {
    "accepted", "answered", "completed", "decoration", "done", "failed", "foundation and main structure",
    "open", "other", "passed", "queued", "ready", "rectification submitted", "rejected", "waterproofing",
    "withdrawn", "chief supervising engineer (总监理工程师)", "contractor (施工单位)", "insurer (保险公司)",
    "supervisor (监理单位)",
}  # fmt: skip
_CHOICES_CLASS = re.compile(r"^class (\w+)\(.*Choices\)")
_CHOICE_WITHOUT_CONTEXT = re.compile(r"""^\s+\w+ = ["'][\w.-]+["'], _\(["']([^"']+)["']\)""")


def test_a_status_word_shared_by_apps_has_one_meaning_or_a_context():
    apps_of = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            in_choices = False
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.startswith("class "):
                    in_choices = bool(_CHOICES_CLASS.match(line))
                m = _CHOICE_WITHOUT_CONTEXT.match(line) if in_choices else None
                if m:
                    apps_of.setdefault(m.group(1), set()).add(app)
    shared = {msgid for msgid, apps in apps_of.items() if len(apps) > 1}
    assert shared - SAME_IN_EVERY_APP == set(), "give these a context (pgettext_lazy) or list them as the same"


@pytest.mark.django_db
def test_words_with_two_meanings_read_as_each_one():
    from django.utils import translation

    from acceptance.materials.models import EntryResult
    from acceptance.models import InspectionResult, NodeStatus
    from insurance.models import ClaimStatus
    from supervision.models import ComplaintStatus, DeliveryStatus

    with translation.override("zh-hans"):
        assert str(NodeStatus.PENDING.label) == "待验收" and str(DeliveryStatus.PENDING.label) == "待发送"
        assert str(InspectionResult.FAILED.label) == "不合格" and str(EntryResult.REJECTED.label) == "不合格"
        assert str(ClaimStatus.ACCEPTED.label) == "已同意理赔" and str(ComplaintStatus.OPEN.label) == "待答复"
