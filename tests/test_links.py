"""Hostile links: every page opens without an exception, whatever the query string holds.

The MLP and CNN pages read the settings from the link: each bad key is named in a warning
and its widget falls back to the default. Home and Backprop read no key; they must simply
open. The strings are written as a browser sends them (percent-encoded) and parsed the way
Streamlit does (repeated keys kept, blank values kept).
"""

from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from dl_core.config import Config, to_query_params
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 180  # TensorFlow's first import alone takes seconds

LONG_LIST = ",".join(["8"] * 5000)
OVERFLOW = ("epochs=1e999&seed=1e400&learning_rate=-1e999&hidden_units=1e999,5"
            "&batch_size=" + "9" * 400 + "&momentum=-0&dropout=1e-400")
JUNK = ("optimizer=%F0%9F%A4%96&activations=relu,%E2%98%83&units=3&%E2%98%83=1&l2=nan"
        "&scale_inputs=maybe&epoch_delay_ms=1_000&initializer=&x=%00%FF")
HUGE = (f"hidden_units={LONG_LIST}&epochs=5&epochs=7&epochs=inf&seed=" + "x" * 20_000
        + "&validation_fraction=%EF%BC%90.2&activations=tanh")
CNN_OVERFLOW = ("conv_filters=1e999&conv_kernels=5,5,5,5&head_units=1e400&conv_pooling=max,max,"
                "max,max&hidden_units=8&seed=%E2%88%9E")
CNN_VANISHING = "conv_kernels=5,5&conv_padding=valid,valid&seed=-0&epochs=+7&conv_filters="

# page, query string, keys a warning must name, settings that must show their default
PAGE_CASES = {
    "mlp-overflow": ("pages/1_mlp.py", OVERFLOW,
                     ["epochs", "seed", "learning_rate", "hidden_units", "batch_size"],
                     ["epochs", "seed", "learning_rate", "hidden_units", "batch_size"]),
    "mlp-junk-unicode-unknown": ("pages/1_mlp.py", JUNK,
                                 ["optimizer", "activations", "units", "\u2603", "l2",
                                  "scale_inputs", "epoch_delay_ms", "initializer", "x"],
                                 ["optimizer", "l2", "scale_inputs", "epoch_delay_ms"]),
    "mlp-huge": ("pages/1_mlp.py", HUGE,
                 ["hidden_units", "epochs", "seed", "validation_fraction", "activations"],
                 ["hidden_units", "epochs", "seed", "validation_fraction"]),
    "cnn-overflow": ("pages/2_cnn.py", CNN_OVERFLOW,
                     ["conv_filters", "conv_kernels", "head_units", "conv_pooling",
                      "hidden_units", "seed"],
                     ["conv_filters", "head_units", "seed"]),
    "cnn-vanishing-maps": ("pages/2_cnn.py", CNN_VANISHING,
                           ["conv_kernels", "conv_padding", "conv_filters"],
                           ["conv_kernels", "conv_padding", "conv_filters"]),
}


def open_with_link(query: str, page: str | None = None) -> AppTest:
    """The app opened on ``page`` through app.py with ``query`` in the URL."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(parse_qs(query, keep_blank_values=True))
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("name", list(PAGE_CASES))
def test_model_page_names_each_bad_key_and_falls_back(name):
    page, query, bad_keys, defaulted = PAGE_CASES[name]
    at = open_with_link(query, page)
    warnings = [w.value for w in at.warning if w.value.startswith("Link: ")]
    text = " ".join(warnings)
    for key in bad_keys:
        assert key in text, f"no warning names {key!r}: {warnings}"
    assert len(warnings) <= len(parse_qs(query, keep_blank_values=True)) + 1
    assert all(len(w) < 300 for w in warnings), "a warning quotes too much of the link"
    architecture = "cnn" if "cnn" in page else "mlp"
    defaults = to_query_params(Config().replace(architecture=architecture))
    for key in defaulted:  # the page rewrote the URL from its widgets: the defaults
        assert at.query_params[key] == defaults[key], key
    assert "units" not in at.query_params and "x" not in at.query_params


def test_cnn_link_keeps_the_good_values_next_to_the_bad():
    at = open_with_link(CNN_VANISHING, "pages/2_cnn.py")
    assert at.query_params["epochs"] == "7" and at.query_params["seed"] == "0"
    assert any("leaves nothing" in w.value for w in at.warning)


@pytest.mark.parametrize("page, check", [
    (None, lambda at: at.title[0].value == "Deep-learning playground"),
    ("pages/3_backprop.py", lambda at: at.subheader[0].value.startswith("Step 1")),
], ids=["home", "backprop"])
def test_pages_that_read_no_setting_open_with_any_link(page, check):
    at = open_with_link("&".join((OVERFLOW, JUNK, HUGE, CNN_OVERFLOW)), page)
    assert check(at)
