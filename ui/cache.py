"""Cached loaders shared by pages. Only data (never a run or a model) is shared across
sessions: every session's training lives in its own ``st.session_state``."""

from __future__ import annotations

import pyarrow as pa
import streamlit as st

from dl_core.config import Config, DataConfig, ModelConfig
from dl_core.data import DigitsSplit, load_digits_split


def digits_split(config: Config) -> DigitsSplit:
    return load_digits_split(config.data, config.training.seed)  # lru-cached in dl_core


@st.cache_data(show_spinner=False)  # the callers say what is being done, in their language
def baseline(data: DataConfig, seed: int) -> dict:
    from dl_core.metrics import logistic_baseline

    return logistic_baseline(load_digits_split(data, seed), seed)


@st.cache_data(show_spinner=False)
def layer_rows(model: ModelConfig) -> list[dict]:
    """The model summary table for a config, built once per distinct architecture."""
    from dl_core.models import build_model, layer_table

    rows = layer_table(build_model(model))
    for row in rows:
        row["output shape"] = " x ".join(map(str, row["output shape"]))
    return rows


@st.cache_resource(show_spinner=False)
def layer_rows_table(model: ModelConfig) -> pa.Table:
    """:func:`layer_rows` as an Arrow table, which ``st.dataframe`` sends without the
    pandas round trip (the summary tab refreshes while a run trains). Shared and read-only."""
    return pa.Table.from_pylist(layer_rows(model))
