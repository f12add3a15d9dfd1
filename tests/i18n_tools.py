"""Finding English a Chinese reader would see: the text an AppTest page shows, and the
English words in it that are not names kept in English (locale/keep_in_english.txt)."""

from __future__ import annotations

import json
import re

from google.protobuf.json_format import MessageToDict

from tests.conftest import ROOT

_KEEP_FILE = ROOT / "locale" / "keep_in_english.txt"


def kept_words() -> set[str]:
    """Lower-cased words allowed in Chinese text: names, units and code identifiers."""
    words = set()
    for line in _KEEP_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.update(w.lower() for w in re.findall(r"[A-Za-z]+", line))
    return words


_NOT_PROSE = [
    re.compile(r"<style.*?</style>", re.S),       # CSS of st.html
    re.compile(r"<[^>]+>"),                        # HTML tags (<br>, <sup>)
    re.compile(r"`[^`]*`"),                       # inline code
    re.compile(r"https?://\S+|www\.\S+"),          # addresses
    re.compile(r":material/[a-z_]+:"),             # icons
    re.compile(r"\]\([^)]*\)"),                    # markdown link targets
    re.compile(r"\$[^$]+\$"),                      # inline LaTeX
    re.compile(r"\\[a-zA-Z]+"),                    # LaTeX commands
    re.compile(r"\b[\w.-]+\.(?:py|json|csv|po|txt|sqlite3|keras|png|md)\b"),  # file names
    re.compile(r"\b\w*(?:_|\d)\w*\b"),             # identifiers, numbers, 8x8, conv2d
    re.compile(r"\b[A-Z]{2,}s?\b"),                # acronyms: MLP, CNN, CSV, FLOPs
]


def english_words(text: str, keep: set[str] | None = None) -> list[str]:
    """The English words of ``text`` (3+ letters) that a translation should have replaced."""
    keep = kept_words() if keep is None else keep
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z]+(?:'[a-z]+)?", text)
            if len(w) >= 3 and w.lower() not in keep]


# Proto fields that carry text a reader sees (the rest are ids, styles, data, settings).
_TEXT_FIELDS = {"label", "help", "placeholder", "body", "value", "options", "caption",
                "text", "title", "default", "formattedOptions", "detail", "rawValue",
                "message", "name", "stackTrace", "tooltip"}
_SKIP_FIELDS = {"id", "formId", "key", "icon", "type", "data", "url", "pageScriptHash",
                "scriptHash", "format", "widthConfig", "heightConfig", "theme", "language",
                "args", "selectionMode", "datasets", "columns", "spec", "figure",
                "columnOrder", "editingMode", "dataframe"}
# Keys inside Plotly and Vega-Lite JSON whose strings are shown.
_CHART_TEXT = {"title", "text", "name", "hovertemplate", "ticktext", "legendgrouptitle",
               "label", "tooltip", "texttemplate", "labelExpr", "description"}


# Keys inside them that name data or styles, never shown as text.
_CHART_CODE = {"field", "type", "format", "aggregate", "timeUnit", "scheme", "orient", "as",
               "calculate", "filter", "param", "sort", "stack", "font", "align", "baseline",
               "anchor", "color", "fill", "stroke", "shape", "style", "legendgroup", "mode",
               "xaxis", "yaxis", "hoverinfo", "textposition", "colorscale", "symbol",
               "params"}


# Vega-Lite channels whose field name is shown when the channel has no title: as a
# tooltip line, an axis title or a legend title.
_TITLED_CHANNELS = {"tooltip", "x", "y", "x2", "y2", "color", "size", "shape", "opacity",
                    "strokeDash", "theta"}


def _untitled_field(channel: str, value) -> str | None:
    """The field name a Vega-Lite channel shows for want of a title (None if it has one or
    shows none)."""
    if not isinstance(value, dict) or not isinstance(value.get("field"), str) \
            or "title" in value:
        return None
    if channel != "tooltip" and (value.get("axis", {}) is None or value.get("legend", {}) is
                                 None or channel in ("x2", "y2")):
        return None
    return value["field"]


def _walk(value, out: list[str], shown: bool, key_step) -> None:
    """Collect the strings under shown keys of a JSON-like tree; ``key_step(key, value,
    out, shown)`` decides what each dict entry adds or where the walk goes on."""
    if isinstance(value, dict):
        for k, v in value.items():
            key_step(k, v, out, shown)
    elif isinstance(value, list):
        for v in value:
            _walk(v, out, shown, key_step)
    elif isinstance(value, str) and shown:
        out.append(value)


def _chart_step(k: str, v, out: list[str], shown: bool) -> None:
    """A Plotly or Vega-Lite spec: shown text keys, and fields shown for want of a title."""
    if k in _TITLED_CHANNELS:
        out.extend(filter(None, (_untitled_field(k, item)
                                 for item in (v if isinstance(v, list) else [v]))))
    if k in _CHART_CODE or (k in ("data", "values") and not shown):
        return  # chart data, field names and styles
    _walk(v, out, shown or k in _CHART_TEXT, _chart_step)


def _proto_step(k: str, v, out: list[str], shown: bool) -> None:
    """An element's proto: its text fields, and the charts and column labels inside it."""
    if k in ("spec", "figure") or (k == "columns" and isinstance(v, str)):
        _chart_text(v, out)  # (columns: column_config JSON, its labels and help)
    elif k not in _SKIP_FIELDS:
        _walk(v, out, shown or k in _TEXT_FIELDS, _proto_step)


def _chart_text(value, out: list[str]) -> None:
    if isinstance(value, dict):
        value = value.get("spec", value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return
    _walk(value, out, False, _chart_step)


def page_texts(at) -> list[str]:
    """Every text the page shows: markdown, labels, help, options, alerts, tab and expander
    labels, chart titles, legends and hover text, and table headers and text cells."""
    out: list[str] = []

    def visit(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            try:
                _walk(MessageToDict(proto), out, False, _proto_step)
            except Exception:  # pragma: no cover - a proto MessageToDict cannot read
                pass
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(at._tree)
    for table in list(at.dataframe) + list(at.table):
        frame = table.value
        out.extend(str(c) for c in frame.columns)
        for column in frame.columns:
            if frame[column].dtype == object:
                out.extend(str(v) for v in frame[column].dropna().unique()[:50])
    return [t for t in out if t.strip()]


def untranslated(at, keep: set[str] | None = None) -> dict[str, list[str]]:
    """Texts shown by ``at`` that still have English words: text -> those words."""
    keep = kept_words() if keep is None else keep
    found = {}
    for text in page_texts(at):
        words = english_words(text, keep)
        if words:
            found[text[:200]] = words
    return found
