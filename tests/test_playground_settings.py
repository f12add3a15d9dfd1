"""The 2D playground's settings table: every spec survives the URL round trip, and junk in a
link gives a warning naming the key, never an exception."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_core.playground_settings import (ACTIVATIONS, PLAYGROUND_SETTINGS, PlaygroundSpec,
                                         from_query_params, spec_from_values,
                                         to_query_params)
from dl_core.toy2d import DATASETS, FEATURES


def test_the_table_names_every_spec_field_and_its_defaults_are_the_specs():
    import dataclasses

    assert {s.name for s in PLAYGROUND_SETTINGS} == {
        f.name for f in dataclasses.fields(PlaygroundSpec)}
    assert spec_from_values({}) == PlaygroundSpec()


layers = st.integers(0, 6)
specs = layers.flatmap(lambda n: st.builds(
    PlaygroundSpec,
    dataset=st.sampled_from(DATASETS),
    noise=st.sampled_from([0.0, 0.05, 0.25, 0.5]),
    train_fraction=st.sampled_from([0.1, 0.5, 0.9]),
    n_samples=st.integers(10, 5000),
    features=st.lists(st.sampled_from(tuple(FEATURES)), min_size=1, max_size=7,
                      unique=True).map(tuple),
    hidden=st.lists(st.integers(1, 32), min_size=n, max_size=n).map(tuple),
    activations=st.lists(st.sampled_from(ACTIVATIONS), min_size=n, max_size=n).map(tuple),
    learning_rate=st.sampled_from([1e-5, 0.003, 0.03, 1.0, 10.0]),
    batch_size=st.integers(1, 30),
    l1=st.sampled_from([0.0, 1e-4, 0.1]), l2=st.sampled_from([0.0, 3e-3]),
    seed=st.integers(0, 2**31 - 1)))


@settings(max_examples=60, deadline=None)
@given(specs)
def test_every_spec_survives_the_link(spec):
    again, warnings = from_query_params(to_query_params(spec))
    assert again == spec and warnings == []


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from([s.name for s in PLAYGROUND_SETTINGS] + ["lang", "x"]),
                       st.one_of(st.text(max_size=30), st.lists(st.text(max_size=10)))))
def test_junk_in_a_link_never_raises_and_each_bad_key_is_named(params):
    spec, warnings = from_query_params(params)
    assert isinstance(spec, PlaygroundSpec)
    for warning in warnings:
        assert warning.split(":")[0] in {s.name for s in PLAYGROUND_SETTINGS} | {
            "The link's settings could not be read; using the defaults."}


@pytest.mark.parametrize("params, message", [
    ({"noise": "0.9"}, "noise: '0.9' is out of range, allowed 0 to 0.5; using the default 0."),
    ({"dataset": "moons"}, "dataset: 'moons' is not one of"),
    ({"hidden": "8,8", "activations": "relu"}, "activations: 1 entry for 2 layers; "
                                                "using relu,relu."),
])
def test_bad_values_fall_back_with_a_warning(params, message):
    _, warnings = from_query_params(params)
    assert any(w.startswith(message) for w in warnings), warnings


def test_no_hidden_layer_is_an_empty_list_in_the_link():
    spec = PlaygroundSpec(hidden=(), activations=())
    params = to_query_params(spec)
    assert params["hidden"] == "" and from_query_params(params) == (spec, [])
