"""Reading an exported run history (``RunStore.export_json``'s JSON document) back: every
field checked, and every run's settings checked as its page would read them from its link.
A bad document raises ValueError naming the run and the field; nothing is half-read. No
Streamlit."""

from __future__ import annotations

import json

from dl_core.history import MAX_IMPORT_BYTES, SCHEMA_VERSION, RunRecord
from dl_core.i18n import Message, detail


def parse_export(data: bytes | str) -> list[RunRecord]:
    """The runs of an exported JSON document; ValueError naming what is wrong."""
    if isinstance(data, bytes):
        if len(data) > MAX_IMPORT_BYTES:
            raise ValueError(Message("the file has {size:,} bytes; at most {limit:,} are read",
                                     size=len(data), limit=MAX_IMPORT_BYTES))
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError(Message("the file is not text (UTF-8 JSON)")) from None
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ValueError(Message("the file is not JSON: {error} at line {line}",
                                 error=exc.msg, line=exc.lineno)) from None
    except RecursionError:
        raise ValueError(Message("the file is not a run export: it nests too deeply")) \
            from None
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        raise ValueError(Message("the file is not a run export: expected {layout}",
                                 layout='{"version": 1, "runs": [...]}'))
    if document.get("version") != SCHEMA_VERSION:
        raise ValueError(Message("the export has version {version!r}; this app reads "
                                 "version {supported}", version=document.get("version"),
                                 supported=SCHEMA_VERSION))
    records = []
    for number, item in enumerate(document["runs"], start=1):
        try:
            records.append(RunRecord.from_dict(item))
            _check_settings(records[-1])
        except ValueError as exc:
            raise ValueError(Message("run {number}: {problem}", number=number,
                                     problem=detail(exc))) from None
    return records


def _check_settings(record: RunRecord) -> None:
    """ValueError when a run's settings are not what its page would take from its link
    (a bad or unknown value: the link would open other settings than the run's)."""
    text = {k: str(v) for k, v in record.config.items()}
    if record.page == "playground":
        from dl_core.playground_settings import from_query_params as parse_2d

        _, warnings = parse_2d(text)
    else:
        from dl_core.config import from_query_params

        _, warnings = from_query_params(text, record.page)
    if warnings:
        raise ValueError(Message("config: {problem}", problem=warnings[0]))
