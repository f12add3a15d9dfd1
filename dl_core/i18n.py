"""Messages in the reader's language: gettext catalogues, one per language.

The English text in the code is the message id. Translations live in
``locale/<lang>/LC_MESSAGES/messages.po`` (edited by translators, kept up to date with
Babel's ``pybabel extract`` / ``pybabel update``, see the README); a catalogue is compiled
in memory with Babel the first time its language is used, and read with the standard
library's :mod:`gettext`.

How code marks a text:

- ``_("Epoch {epoch} of {total}").format(epoch=3, total=50)``: translated now, in the
  active language. Placeholders are named (``str.format``) so a translation can move them.
- ``ngettext("{n} run", "{n} runs", n).format(n=n)``: a count.
- ``N_("Learning rate")``: marked for the catalogue but left as it is, for tables built at
  import time (the settings table's labels); translate with ``_(text)`` where shown.
- ``Message("Loss became {value} at epoch {epoch}", value="nan", epoch=3)``: a text made
  in one thread (a training worker) and shown in another; ``str()`` renders it in the
  language active where it is shown. It compares equal to its English rendering.

The active language is a :class:`contextvars.ContextVar`: the web app sets it at the start
of every script and fragment run of a session (each runs in that session's thread), so
sessions in different languages never mix. Code with no language set (tests, scripts,
training workers) speaks English. ``dl_core`` stays free of Streamlit.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import io
from pathlib import Path
from typing import Any, Iterator

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
# Code -> the language's own name, as the switch shows it. Add a language here and in
# locale/<code>/LC_MESSAGES/messages.po (README: "Adding a language").
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}

_active: contextvars.ContextVar[str] = contextvars.ContextVar("dl_core_language",
                                                              default=SOURCE_LANGUAGE)


def normalize(code: Any) -> str | None:
    """The supported language a code or locale names ("zh", "zh-CN", "zh_Hans_CN", "EN-us"),
    or None. Chinese in any script or region maps to "zh" (the catalogue is Simplified)."""
    if not isinstance(code, str):
        return None
    primary = code.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def set_language(code: str) -> contextvars.Token:
    """Make ``code`` (a key of LANGUAGES) the active language of this thread's context."""
    if code not in LANGUAGES:
        raise ValueError(f"unsupported language {code!r}; supported: {', '.join(LANGUAGES)}")
    return _active.set(code)


def current_language() -> str:
    return _active.get()


@contextlib.contextmanager
def language(code: str) -> Iterator[None]:
    """``with language("zh"): ...`` runs the block in ``code``."""
    token = set_language(code)
    try:
        yield
    finally:
        _active.reset(token)


def catalog(code: str):
    """The Babel catalogue of ``code``, as translators edit it (tests read it)."""
    from babel.messages.pofile import read_po

    with open(LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as f:
        return read_po(f, locale=code, domain=DOMAIN)


@functools.lru_cache(maxsize=None)
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``code`` (NullTranslations for the source language),
    compiled once per process. Fuzzy entries (guesses left by ``pybabel update``) are not
    used."""
    if code == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog(code), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """``message`` in the active language (itself when it has no translation)."""
    return translations(_active.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message for ``n`` in the active language."""
    return translations(_active.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (translate where shown)."""
    return message


class Message:
    """A text rendered when shown, in the language active there (see the module doc).

    ``params`` fill the named placeholders; a parameter that is itself a Message is
    rendered in the same language."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params: Any):
        self.msgid = msgid
        self.params = params

    def render(self, code: str | None = None) -> str:
        if code is not None:
            with language(code):
                return self.render()
        # (a parameter that is a Message or a Later renders itself as ``format`` reads it)
        return _(self.msgid).format(**self.params) if self.params else _(self.msgid)

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)

    @property
    def english(self) -> str:
        return self.render(SOURCE_LANGUAGE)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return (self.msgid, self.params) == (other.msgid, other.params)
        return isinstance(other, str) and self.english == other

    def __hash__(self) -> int:
        return hash(self.english)

    def __repr__(self) -> str:
        return f"Message({self.english!r})"

    def __contains__(self, text: str) -> bool:  # "nan" in reason, as with the str it replaces
        return text in self.english


class Later:
    """A text made when it is shown, in the language active there: ``Later(function,
    *args)`` renders as ``function(*args)``. For a parameter of a :class:`Message` that is
    more than one message (a list of settings, a sentence made of an error)."""

    __slots__ = ("function", "args")

    def __init__(self, function, /, *args):
        self.function, self.args = function, args

    def __str__(self) -> str:
        return str(self.function(*self.args))


def join_words(items) -> str:
    """"a", "a and b", "a, b and c" in the active language (Chinese: "a、b 和 c")."""
    text, *rest = [str(item) for item in items]
    for item in rest[:-1]:
        text = _("{list}, {item}").format(list=text, item=item)
    return _("{list} and {item}").format(list=text, item=rest[-1]) if rest else text


def sentence_start(text) -> str:
    """``text`` with its first letter made upper case (a name that starts a sentence)."""
    text = str(text)
    return text[:1].upper() + text[1:]


def mid_sentence(text) -> str:
    """``text`` inside a sentence: a capitalized word's first letter made lower case
    ("Learning rate" -> "learning rate"); "L2 penalty", "XOR" and Chinese stay as they are."""
    text = str(text)
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def detail(exc: BaseException):
    """What an exception says, kept as its Message when it holds one (so it renders where
    shown, not in the language of the thread that caught it)."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Message) else str(exc)


def in_english(function, /, *args, **kwargs):
    """``function(*args, **kwargs)`` run in English, whatever the thread's language: for
    texts that are stored (a kept run's summary) and read back by pattern."""
    with language(SOURCE_LANGUAGE):
        return function(*args, **kwargs)
