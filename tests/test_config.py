"""Config validation and the URL round trip.

The link tests are property-based (Hypothesis): strategies are derived from the settings
table, so a new setting is fuzzed and round-tripped without touching this file.
"""

import dataclasses
from urllib.parse import parse_qs, urlencode

import hypothesis.strategies as st
import pytest
from hypothesis import example, given, settings

from dl_core.config import (Config, DataConfig, ModelConfig, TrainingConfig, conv_output_sizes,
                            decode_value, encode_value, from_query_params, to_query_params)
from dl_core.settings import SETTINGS, check_value, settings_for

ARCHITECTURES = ("mlp", "cnn")
FAST = settings(max_examples=40, deadline=None)  # runs x 23 settings: keep the file fast


def test_defaults_from_empty_params():
    config, warnings = from_query_params({})
    assert config == Config() and warnings == []
    assert (config.data, config.model, config.training) == (DataConfig(), ModelConfig(),
                                                            TrainingConfig())


@pytest.mark.parametrize("field, value, fragment", [
    ("learning_rate", 20.0, "allowed 1e-05 to 10"),
    ("epochs", 0, "allowed 1 to 1000"),
    ("optimizer", "lbfgs", "not one of sgd"),
    ("batch_size", 3.5, "not a whole number"),
    ("learning_rate", float("nan"), "not a finite number"),
])
def test_bad_values_name_field_value_and_range(field, value, fragment):
    with pytest.raises(ValueError) as info:
        TrainingConfig(**{field: value})
    assert field in str(info.value) and fragment in str(info.value)
    assert repr(value) in str(info.value) or str(value) in str(info.value)


def test_layer_lists_must_match_and_respect_bounds():
    with pytest.raises(ValueError, match="one entry per layer"):
        ModelConfig(hidden_units=(10, 8), activations=("relu",))
    with pytest.raises(ValueError, match="7 entries given, allowed 1 to 6"):
        ModelConfig(hidden_units=(4,) * 7, activations=("relu",) * 7)
    with pytest.raises(ValueError, match="hidden_units: 300 is out of range"):
        ModelConfig(hidden_units=(300,), activations=("relu",))


def test_cnn_shapes_checked_before_training():
    ok = ModelConfig(architecture="cnn")
    assert conv_output_sizes(ok) == [(8, 4), (4, 4)]
    with pytest.raises(ValueError, match="conv block 2: a 5x5 kernel"):
        ModelConfig(architecture="cnn", conv_filters=(4, 4, 4), conv_kernels=(5, 5, 5),
                    conv_padding=("valid",) * 3, conv_activations=("relu",) * 3,
                    conv_pooling=("none", "none", "none"))
    with pytest.raises(ValueError, match="conv block 3: 2x2 pooling on a 1x1 map"):
        ModelConfig(architecture="cnn", conv_filters=(4, 4, 4), conv_kernels=(5, 3, 3),
                    conv_padding=("valid", "same", "same"), conv_activations=("relu",) * 3,
                    conv_pooling=("max", "max", "max"))


def test_junk_falls_back_with_one_warning_each():
    config, warnings = from_query_params({
        "learning_rate": "fast", "epochs": "99999", "optimizer": "magic", "bogus": "1",
        "hidden_units": "10,x", "scale_inputs": "maybe"})
    assert config == Config()
    assert len(warnings) == 6
    assert any("bogus" in w for w in warnings) and any("99999" in w for w in warnings)


def test_mismatched_layer_lists_are_repaired_with_a_warning():
    config, warnings = from_query_params({"hidden_units": "10,8,6", "activations": "tanh"})
    assert config.model.hidden_units == (10, 8, 6)
    assert config.model.activations == ("tanh", "tanh", "tanh")
    assert len(warnings) == 1
    config, warnings = from_query_params({"hidden_units": "10,8"})  # activations not given
    assert config.model.activations == ("relu", "relu") and warnings == []


def test_impossible_cnn_in_url_falls_back_to_default_architecture():
    config, warnings = from_query_params(
        {"conv_kernels": "5,5", "conv_padding": "valid,valid", "epochs": "7"}, "cnn")
    assert config.model == ModelConfig(architecture="cnn")
    assert config.training.epochs == 7
    assert any("leaves nothing" in w and "conv_kernels, conv_padding" in w for w in warnings)


def test_check_value_coerces():
    lr = next(s for s in SETTINGS if s.name == "learning_rate")
    assert check_value(lr, 1) == 1.0 and isinstance(check_value(lr, 1), float)


# --------------------------------------------------------------------------- links
# Regression cases of issue 8, each with what the link must give: the value (no warning)
# or the default with one warning naming the key.


@pytest.mark.parametrize("key, text, expected", [
    ("epochs", "1e999", None), ("seed", "1e400", None), ("hidden_units", "1e999,3", None),
    ("learning_rate", "1e999", None), ("learning_rate", "-1e999", None),
    ("epochs", "nan", None), ("dropout", "inf", None), ("epochs", "1_000", None),
    ("epochs", "0x10", None), ("epochs", "\uff15", None), ("epochs", "", None),
    ("seed", "9" * 5000, None), ("seed", "1e18", None), ("epochs", "2.5", None),
    ("hidden_units", ",".join(["8"] * 10_000), None), ("optimizer", "ADAM", None),
    ("epochs", " 5 ", 5), ("seed", "-0", 0), ("dropout", "-0", 0.0), ("epochs", "5.0", 5),
    ("epochs", "+7", 7), ("learning_rate", ".5", 0.5), ("epochs", ["3", "4"], 4),
    ("hidden_units", "10, 8", (10, 8)), ("scale_inputs", "off", False), ("epochs", 12, 12),
], ids=lambda v: repr(v)[:16] if isinstance(v, (str, list)) else None)
def test_link_values_from_the_issue(key, text, expected):
    config, warnings = from_query_params({key: text})
    if expected is None:
        assert config == Config() and len(warnings) == 1
        assert warnings[0].startswith(f"{key}: ") and len(warnings[0]) < 200
    else:
        assert config.get(key) == expected and warnings in ([], [
            f"{key}: given 2 times with different values; using the last, {expected}."])
        assert not to_query_params(config)[key].startswith("-")  # "-0" is written back as "0"


def test_links_that_are_not_mappings_give_the_defaults():
    for params in ("epochs=5", 42, [1, 2, 3], None, {}):
        config, warnings = from_query_params(params)
        assert config == Config() and len(warnings) <= 1


# Strategies. Hostile text: what people type, paste or fuzz into a query string.
SPECIAL_TEXT = st.sampled_from([
    "", " ", "-0", "+0", "-", "+", ".", "e5", "1e", "1e999", "-1e999", "1e400", "1e-400",
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1_000", "0x10", "0b1", "\uff15",
    "\u0663", "\u00b2", " 5 ", "\t7\n", "1,2", "1,,2", ",", "5,", "true", "TRUE", "yes", "on",
    "relu", "RELU", " relu", "\x00", "\ud800", "\U0001f916", "9" * 400, "1" + "0" * 320,
    "0." + "0" * 400 + "1", "1e308", "2147483647", "2147483648", "-2147483648",
])
NUMBER_TEXT = st.one_of(
    st.integers().map(str),
    st.floats().map(repr),  # includes nan, inf and -0.0
    st.floats().map(lambda x: format(x, "g")),
    st.from_regex(r"\A[ +-]?[0-9_]{0,6}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,4})?\s?\Z"),
)
CHOICE_TEXT = st.sampled_from(sorted({c for s in SETTINGS for c in s.choices})).flatmap(
    lambda c: st.sampled_from([c, c.upper(), f" {c} ", c + "x"]))
SCALAR_TEXT = st.one_of(SPECIAL_TEXT, NUMBER_TEXT, CHOICE_TEXT, st.text(max_size=20))
LIST_TEXT = st.one_of(
    st.lists(SCALAR_TEXT, min_size=1, max_size=8).map(",".join),
    st.integers(1, 20_000).map(lambda n: ",".join(["3"] * n)),  # huge lists
)
LONG_TEXT = st.builds(lambda c, n: c * n, st.characters(), st.integers(50, 20_000))
TEXT = st.one_of(SCALAR_TEXT, LIST_TEXT, LONG_TEXT)
# Values that are not one string: repeated keys (lists), or numbers and None from code.
VALUE = st.one_of(TEXT, st.lists(TEXT, max_size=3), st.none(), st.booleans(), st.integers(),
                  st.floats(), st.binary(max_size=8))
KEY = st.one_of(st.sampled_from([s.name for s in SETTINGS]), st.text(max_size=12),
                st.sampled_from(["units", "EPOCHS", " seed", "seed ", "", "architecture"]))


def _assert_valid(config, architecture):
    """A real Config for that page: it revalidates, and the URL the page writes back
    reads back without warnings to the same URL."""
    assert isinstance(config, Config) and config.model.architecture == architecture
    rebuilt = Config(*(type(part)(**dataclasses.asdict(part))
                       for part in (config.data, config.model, config.training)))
    assert rebuilt == config
    params = to_query_params(config)
    again, warnings = from_query_params(params, architecture)
    assert warnings == [] and to_query_params(again) == params


def _decodes(setting, value) -> bool:
    try:
        decode_value(setting, value)
    except ValueError:
        return False
    return True


def _assert_one_clear_warning_per_bad_key(params, architecture):
    config, warnings = from_query_params(params, architecture)
    _assert_valid(config, architecture)
    known = {s.name: s for s in settings_for(architecture)}
    starts = tuple(f"{name}: " for name in known) + ("Unknown setting ", "conv block ")
    assert all(w.startswith(starts) and len(w) < 300 for w in warnings), warnings
    unknown = [key for key in params if key not in known]
    assert sum(w.startswith("Unknown setting ") for w in warnings) == len(unknown)
    for key in params:
        if key in known:
            about_key = [w for w in warnings if w.startswith(f"{key}: ")]
            assert len(about_key) <= 1, about_key
            if not _decodes(known[key], params[key]):
                assert len(about_key) == 1, (key, warnings)
    assert len(warnings) <= len(params) + 1  # + 1: a CNN whose maps vanish
    return config, warnings


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
@FAST
@given(value=VALUE)
def test_any_value_of_any_setting_gives_its_value_or_the_default_with_one_warning(setting,
                                                                                   value):
    for architecture in ARCHITECTURES:
        config, warnings = _assert_one_clear_warning_per_bad_key({setting.name: value},
                                                                 architecture)
        if architecture not in setting.architectures:
            assert len(warnings) == 1 and setting.name in warnings[0]
        elif not _decodes(setting, value):
            assert config.get(setting.name) == setting.default
        elif not warnings:
            assert config.get(setting.name) == decode_value(setting, value)


def _query(pairs, junk):
    query = urlencode(pairs, errors="surrogatepass")  # lone surrogates: invalid UTF-8 bytes
    return query + "&" + junk if junk else query


QUERY = st.builds(_query, st.lists(st.tuples(KEY, TEXT), max_size=8),
                  st.text(alphabet="&=%;+,?#x0123456789abcdefABCDEF\u00e9 ", max_size=12))


@FAST
@given(query=st.one_of(QUERY, st.text(max_size=200)))
@example("epochs=1e999&seed=1e400&hidden_units=1e999&learning_rate=nan&x=%F0%9F&units=3")
@example("epochs=5&epochs=1e999&epochs=&seed=-0&dropout=-0&activations=tanh&activations=relu")
def test_any_query_string_gives_a_valid_config_with_one_warning_per_bad_key(query):
    repeated = parse_qs(query, keep_blank_values=True)  # key -> every value, as get_all
    last = {key: values[-1] for key, values in repeated.items()}  # as dict(st.query_params)
    for architecture in ARCHITECTURES:
        _assert_one_clear_warning_per_bad_key(repeated, architecture)
        _assert_one_clear_warning_per_bad_key(last, architecture)


@FAST
@given(params=st.dictionaries(st.sampled_from([s.name for s in SETTINGS]), VALUE, max_size=12))
def test_many_hostile_settings_at_once(params):
    """Several bad settings together: lists of unequal length, CNN maps that vanish."""
    for architecture in ARCHITECTURES:
        _assert_one_clear_warning_per_bad_key(params, architecture)


# Configs drawn from the table: every setting of the architecture, any value it allows.


def _value_strategy(setting, kind):
    if kind == "bool":
        return st.booleans()
    if kind == "choice":
        return st.sampled_from(setting.choices)
    if kind == "int":
        values = st.integers(int(setting.min), int(setting.max))
    else:
        values = st.floats(setting.min, setting.max)
    return st.one_of(st.sampled_from(setting.options), values) if setting.options else values


@st.composite
def configs(draw, architecture, url_exact=True):
    """A valid Config; with ``url_exact`` its floats have the 10 significant digits a link
    keeps (every slider value has), else any float in range."""
    values = {}
    for group in ("dense", "conv"):
        members = [s for s in settings_for(architecture) if s.layer_group == group]
        if members:
            n = draw(st.integers(members[0].min_len, members[0].max_len), label=group)
            for s in members:
                item = _value_strategy(s, s.kind[: -len("_list")])
                values[s.name] = tuple(draw(st.lists(item, min_size=n, max_size=n)))
    for s in settings_for(architecture):
        if not s.is_list:
            value = draw(_value_strategy(s, s.kind))
            if url_exact and isinstance(value, float):
                value = float(format(value, ".10g"))
            values[s.name] = value
    if architecture == "cnn":  # blocks whose maps would vanish: 'same' padding, no pooling
        try:
            conv_output_sizes(ModelConfig(architecture="cnn", **{
                k: v for k, v in values.items() if k.startswith("conv_")}))
        except ValueError:
            n = len(values["conv_filters"])
            values.update(conv_padding=("same",) * n, conv_pooling=("none",) * n)
    return Config().replace(architecture=architecture, **values)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_url_round_trip_gives_back_the_same_config(architecture, data):
    config = data.draw(configs(architecture))
    params = to_query_params(config)
    assert all(isinstance(v, str) for v in params.values())
    assert set(params) == {s.name for s in settings_for(architecture)}
    assert from_query_params(params, architecture) == (config, [])
    # through a real URL: quoting, commas, the key order a browser keeps
    url = urlencode(params)
    assert from_query_params(parse_qs(url, keep_blank_values=True), architecture) == (config, [])


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@FAST
@given(data=st.data())
def test_url_round_trip_of_any_float_is_close_and_warning_free(architecture, data):
    """Links write floats with 10 significant digits: values from code with more digits
    come back within 1e-9 (relative), never out of range, never with a warning."""
    config = data.draw(configs(architecture, url_exact=False))
    restored, warnings = from_query_params(to_query_params(config), architecture)
    assert warnings == []
    for s in settings_for(architecture):
        if s.kind == "float":
            assert restored.get(s.name) == pytest.approx(config.get(s.name), rel=1e-9, abs=0)
        else:
            assert restored.get(s.name) == config.get(s.name)


def test_encode_value_writes_what_decode_value_reads():
    for s in SETTINGS:
        assert decode_value(s, encode_value(s, s.default)) == s.default
