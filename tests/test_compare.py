"""Comparing two configurations: what the page says when the settings on screen moved."""

from dl_core.config import Config, describe, differences


def test_differences_name_each_changed_setting_in_table_order():
    old = Config()
    new = old.replace(seed=1, hidden_units=(8, 64, 32), learning_rate=0.01)
    changes = differences(old, new)
    assert [c.name for c in changes] == ["hidden_units", "learning_rate", "seed"]
    assert [str(c) for c in changes] == ["units 64,64,32 → 8,64,32",
                                         "learning rate 0.001 → 0.01", "seed 0 → 1"]
    assert [c.live for c in changes] == [False, True, False]
    assert differences(old, old) == []


def test_a_change_of_architecture_is_one_change():
    changes = differences(Config(), Config().replace(architecture="cnn"))
    assert [c.name for c in changes] == ["architecture"]


def test_describe_names_layers_optimizer_and_seed():
    assert describe(Config()) == "MLP 64-64-32 relu · adam lr 0.001 · batch 32 · seed 0"
    cnn = Config().replace(architecture="cnn", seed=3)
    assert describe(cnn).startswith("CNN 8x3-16x3 + dense 32 ·") and "seed 3" in describe(cnn)
