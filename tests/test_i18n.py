"""Issue 12: the catalogues cover every text of the code, translations keep what code and
markup need, the glossary's terms are used, and sessions in different languages never mix."""

from __future__ import annotations

import csv
import re
import string
import threading

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from hypothesis import given, strategies as st

from dl_core import i18n
from dl_core.i18n import LANGUAGES, Message, _, catalog, language, normalize
from tests.conftest import ROOT

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "Message": None}
TRANSLATED = [code for code in LANGUAGES if code != i18n.SOURCE_LANGUAGE]


def source_messages() -> dict:
    """Every message id the code marks (as ``pybabel extract -F babel.cfg`` finds them):
    id (a tuple for plurals) -> where it is."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def messages():
    return source_messages()


def test_the_code_marks_its_texts(messages):
    assert len(messages) > 300  # every page's texts, not a handful
    assert "Train" in messages and "Learning rate" in messages


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_has_a_translation(messages, code):
    entries = catalog(code)
    missing = []
    for message, where in messages.items():
        key = message[0] if isinstance(message, tuple) else message
        entry = entries.get(key)
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple):
            strings = all(strings) and strings
        if not strings or entry.fuzzy:
            missing.append(f"{where}: {key!r}")
    assert not missing, f"{len(missing)} texts lack a {code} translation:\n" + \
        "\n".join(missing[:40])


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text)
            if name is not None}


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_placeholders_and_markup(code):
    bad = []
    for entry in catalog(code):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set().union(*map(_fields, ids))
        for translated in strings:
            try:
                if _fields(translated) != wanted:
                    bad.append(f"{ids[0]!r}: placeholders {_fields(translated)}")
            except ValueError as exc:  # an unbalanced brace
                bad.append(f"{ids[0]!r}: {exc}")
            for mark in ("**", ":material/"):
                if ids[0].count(mark) != translated.count(mark):
                    bad.append(f"{ids[0]!r}: {mark} count differs")
            if translated.count("`") < ids[0].count("`"):  # may add code marks, not drop
                bad.append(f"{ids[0]!r}: code marks dropped")
    assert not bad, "\n".join(bad[:40])


def _glossary() -> list[dict]:
    with open(ROOT / "locale" / "glossary.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("code", ["zh"])
def test_translations_use_the_glossary(code):
    """A message that uses a glossary term says it with the glossary's translation (or a
    form its "also" column allows: 第 3 轮 for epoch 3). A translator marks a message where
    the English word is not the term ("Run the race", "Seed example": the article's
    example) with a ``# glossary: not the term`` comment in the .po file."""
    rows = sorted(_glossary(), key=lambda r: -len(r["english"]))
    bad = []
    for entry in catalog(code):
        if not entry.id or not entry.string or isinstance(entry.id, tuple) or \
                any("glossary: not the term" in c for c in entry.user_comments):
            continue
        # not placeholders, code, or the URL name of a setting that starts a message
        english = re.sub(r"\{[^}]*\}|`[^`]*`|^[a-z_0-9]+: ", " ", entry.id).lower()
        for row in rows:  # longest terms first: "learning rate" before "rate"
            term = row["english"].lower()
            if re.search(rf"\b{re.escape(term)}(e?s)?\b", english):
                english = english.replace(term, " ")
                forms = [row["chinese"], *filter(None, row["also"].split("|"))]
                if not any(form in entry.string for form in forms):
                    bad.append(f"{entry.id[:60]!r}: {row['english']} -> {row['chinese']}")
    assert not bad, f"{len(bad)} messages:\n" + "\n".join(bad[:60])


def test_languages_are_per_thread_so_sessions_never_mix():
    seen: dict[str, set] = {"en": set(), "zh": set()}
    start = threading.Barrier(2)

    def session(code):
        i18n.set_language(code)
        start.wait()
        for _round in range(2000):
            seen[code].add(_("Home"))

    threads = [threading.Thread(target=session, args=(c,)) for c in ("en", "zh")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"en": {"Home"}, "zh": {"首页"}}
    assert i18n.current_language() == "en"  # this thread was never switched


def test_a_message_is_rendered_where_it_is_shown():
    made_in_a_worker = []
    worker = threading.Thread(target=lambda: made_in_a_worker.append(Message("Home")))
    worker.start()
    worker.join()
    message = made_in_a_worker[0]
    assert str(message) == "Home" and message == "Home"
    with language("zh"):
        assert str(message) == "首页" and f"[{message}]" == "[首页]"
    nested = Message("Link: language {given} is not available; showing {language}.",
                     given="'xx'", language=Message("Home"))
    with language("zh"):
        assert "首页" in str(nested) and "'xx'" in str(nested)
    assert nested.english.startswith("Link: language 'xx'")


def test_text_helpers_follow_the_language():
    with language("zh"):
        assert i18n.join_words(["1", "2", "3"]) == "1、2 和 3"
    assert i18n.join_words(["1", "2", "3"]) == "1, 2 and 3" and i18n.join_words(["a"]) == "a"
    assert [i18n.mid_sentence(t) for t in ("Learning rate", "L2 penalty", "XOR", "学习率")] \
        == ["learning rate", "L2 penalty", "XOR", "学习率"]
    with language("zh"):
        stored = i18n.in_english(lambda: _("Home"))
    assert stored == "Home"


@given(st.text(max_size=40))
def test_any_text_as_a_language_gives_a_supported_one_or_none(text):
    code = normalize(text)  # never raises: it reads the URL and the browser's locale
    assert code is None or code in LANGUAGES
    assert normalize(text.upper()) == code


@given(st.from_regex(r"zh([-_][A-Za-z0-9]{1,8}){0,3}", fullmatch=True))
def test_every_chinese_locale_gives_chinese(tag):
    assert normalize(tag) == "zh"


@pytest.mark.parametrize("given_code, expected", [
    ("zh", "zh"), ("zh-CN", "zh"), ("zh_TW", "zh"), ("zh-Hans-CN", "zh"), ("ZH", "zh"),
    ("en-US", "en"), ("en", "en"), ("de-DE", None), ("", None), (None, None), (3, None)])
def test_browser_locales_map_to_languages(given_code, expected):
    assert normalize(given_code) == expected


def test_no_page_picks_its_text_by_comparing_the_language():
    """Texts come from the catalogues, never from ``if lang == ...`` in the code."""
    pattern = re.compile(r"""(lang(uage)?|code)\s*[!=]=\s*["'](zh|en)["']""")
    offenders = [str(p.relative_to(ROOT)) for folder in ("dl_core", "ui", "pages")
                 for p in (ROOT / folder).rglob("*.py") if pattern.search(p.read_text())]
    assert not offenders


def _comments(script: str) -> list[str]:
    """The comment lines and docstring lines of a generated script (not its code)."""
    import ast
    import io
    import tokenize

    texts = [t.string for t in tokenize.generate_tokens(io.StringIO(script).readline)
             if t.type == tokenize.COMMENT]
    docstring = ast.get_docstring(ast.parse(script)) or ""
    return texts + docstring.splitlines()


@pytest.mark.parametrize("which", ["mlp", "cnn", "playground"])
def test_exported_scripts_comment_in_the_page_language_and_still_run(which):
    """The exported Keras script's comments follow the language; its code does not."""
    from dl_core.codegen import keras_script
    from dl_core.config import Config
    from dl_core.playground_codegen import playground_script
    from dl_core.playground_settings import PlaygroundSpec
    from tests.i18n_tools import english_words

    def script():
        if which == "playground":
            return playground_script(PlaygroundSpec(), epochs=5)
        return keras_script(Config().replace(architecture=which))

    english = script()
    with language("zh"):
        chinese = script()
    comments = _comments(chinese)
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", c)) for c in comments) >= 5
    leftover = {c: english_words(c) for c in comments if english_words(c)}
    assert not leftover, leftover
    compile(chinese, "script.py", "exec")  # the code is still Python

    def code(text):
        return [line.split("#")[0].rstrip() for line in text.splitlines()
                if line.split("#")[0].strip()]
    # the code lines are the same but for the docstring
    assert len(code(chinese)) == len(code(english))


def test_kept_settings_are_shown_as_the_pages_show_them():
    from dl_core.compare import shown_value

    with language("zh"):
        assert shown_value("dataset", "circle") == "圆形"
        assert shown_value("conv_pooling", "max,none") == "最大,无"
    assert shown_value("features", "x1,x2,sin_x1") == "X₁, X₂, sin(X₁)"
    assert shown_value("dataset", "banana") == "banana"  # an unknown value stays
    assert shown_value("learning_rate", "0.01") == "0.01"
