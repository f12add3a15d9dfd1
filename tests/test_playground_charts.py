"""The 2D playground's charts: fixed specs per problem, the output as an image whose
colours say what the network answers where, the network picture's neurons and links
read from the run's own weights, the loss and confusion data."""

import json

import numpy as np

from dl_core.playground import PlaygroundSpec, PlaygroundTrainer, forward_on_grid
from dl_core.playground_charts import (BLANK, _paler, CLASS_COLOURS, GRID, boundary_chart,
                                       boundary_datasets, boundary_spec, heatmap_rgb,
                                       hex_colours, output_rgb)
from dl_core.playground_network import (confusion_datasets, layer_sizes, loss_datasets,
                                        network_datasets, network_spec, network_width,
                                        thumbnail)


def _image(colours: list[str]) -> np.ndarray:
    """The heatmap's cell colours back as an RGB image (GRID x GRID)."""
    side = int(round(len(colours) ** 0.5))
    rgb = [[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colours]
    return np.array(rgb, np.uint8).reshape(side, side, 3)


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in rgb)


def test_padding_is_an_object():
    """Streamlit's Vega-Lite element sets padding.bottom: a number crashed it in the
    browser ("Cannot create property 'bottom' on number '4'", seen in Chromium)."""
    assert isinstance(boundary_spec(2)["padding"], dict)
    assert isinstance(network_spec(PlaygroundSpec())["padding"], dict)


def test_the_specs_are_the_same_while_a_run_trains():
    assert json.dumps(boundary_spec(2)) == json.dumps(boundary_spec(2))
    assert boundary_spec(2) != boundary_spec(3) != boundary_spec(0)
    spec = PlaygroundSpec()
    assert network_spec(spec) == network_spec(PlaygroundSpec(learning_rate=1.0, speed=5))
    assert network_spec(spec) != network_spec(PlaygroundSpec(hidden=(4,), activations=("relu",)))


def test_the_image_shows_a_trained_circle_inside_out():
    trainer = PlaygroundTrainer(PlaygroundSpec(
        dataset="circle", features=("x1", "x2", "x1_squared", "x2_squared"), hidden=(4,),
        activations=("tanh",), learning_rate=0.1))
    for _ in range(40):
        trainer.train_epoch()
    output = forward_on_grid(trainer.spec, trainer.kernels(), GRID)[-1]
    heat = boundary_datasets(output, 2, trainer.x_train, trainer.y_train)["heatmap"]
    image = _image(heat["colour"])
    assert image.shape == (GRID, GRID, 3) and heat["x"][0] < 0 < heat["y"][0]  # top left
    blue, orange = np.array([0x08, 0x77, 0xBD]), np.array([0xF5, 0x93, 0x22])
    centre, corner = image[GRID // 2, GRID // 2].astype(int), image[0, 0].astype(int)
    assert np.abs(centre - blue).sum() < np.abs(centre - orange).sum()  # inside: class 1
    assert np.abs(corner - orange).sum() < np.abs(corner - blue).sum()  # outside: class 0
    discrete = _image(boundary_datasets(output, 2, trainer.x_train, trainer.y_train,
                                        discretize=True)["heatmap"]["colour"])
    pure = output_rgb(output, 2, discretize=True)  # drawn a little paler, under the points
    assert {_hex(c) for c in pure.reshape(-1, 3)} <= {CLASS_COLOURS[0], CLASS_COLOURS[1]}
    np.testing.assert_array_equal(discrete, _paler(pure))


def test_more_classes_take_the_likeliest_class_colour_paler_when_unsure():
    output = np.zeros((2, 2, 3))
    output[0, 0] = (0.0, 0.0, 1.0)  # sure of class 2
    output[0, 1] = (0.34, 0.33, 0.33)  # barely class 0
    output[1] = (0.1, 0.8, 0.1)
    rgb = output_rgb(output, 3)
    assert _hex(rgb[0, 0]) == CLASS_COLOURS[2]
    assert np.abs(rgb[0, 1].astype(int) - [0xE8, 0xEA, 0xEB]).max() < 5  # nearly grey
    assert _hex(output_rgb(output, 3, discretize=True)[0, 1]) == CLASS_COLOURS[0]


def test_points_carry_their_set_and_your_points_are_told_apart():
    points, labels = np.array([[1.0, 2.0], [-1.0, 0.5], [3.0, 3.0]]), np.array([2, 0, 1])
    chart = boundary_chart(None, 3, points, labels, points[:1], labels[:1], yours=1)
    dots = chart["datasets"]["points"]
    assert dots["set"] == ["train", "train", "yours", "test"]
    assert dots["label"] == [2, 0, 1, 2]
    assert set(chart["datasets"]["heatmap"]["colour"]) == {BLANK}  # no network yet: blank
    assert json.dumps(chart)  # plain JSON: Streamlit sends it as is


def test_regression_values_are_clipped_to_the_scale():
    rgb = output_rgb(np.full((3, 3, 1), 2.5), 0)
    assert _hex(rgb[0, 0]) == CLASS_COLOURS[1]
    data = boundary_datasets(None, 0, np.zeros((1, 2)), np.array([0.3]))
    assert data["points"]["label"] == [0.3]


def test_heatmap_colours_run_from_orange_through_grey_to_blue():
    rgb = heatmap_rgb(np.array([[-1.0, 0.0, 1.0, 5.0]]))
    assert rgb.dtype == np.uint8 and rgb.shape == (1, 4, 3)
    assert rgb[0, 0].tolist() == [0xF5, 0x93, 0x22]  # orange
    assert rgb[0, 1].tolist() == [0xE8, 0xEA, 0xEB]  # grey
    assert rgb[0, 2].tolist() == rgb[0, 3].tolist() == [0x08, 0x77, 0xBD]  # blue, clipped


def test_hex_colours_round_trip_the_pixels():
    rgb = np.random.default_rng(0).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    np.testing.assert_array_equal(_image(hex_colours(rgb)), rgb)


def test_network_picture_reads_each_neuron_and_link_from_the_weights():
    spec = PlaygroundSpec(features=("x1", "x2", "x1_times_x2"), hidden=(3, 2),
                          activations=("relu", "tanh"), dataset="blobs3")
    trainer = PlaygroundTrainer(spec)
    trainer.train_epoch()
    weights = trainer.kernels()
    r = thumbnail(spec)
    maps = forward_on_grid(spec, weights, r)
    data = network_datasets(spec, weights, maps)
    assert layer_sizes(spec) == [3, 3, 2, 3]
    nodes, links, cells = data["nodes"], data["links"], data["cells"]
    assert len(nodes["neuron"]) == 3 + 3 + 2 + 3 and len(cells["colour"]) == 11 * r * r
    assert max(cells["x"]) < network_width(spec)
    assert len(links["weight"]) == 3 * 3 + 3 * 2 + 2 * 3
    # the link from X1X2 to layer 1's neuron 2 is that kernel entry
    i = links["link"].index("X₁X₂ → L1 n2")
    assert links["weight"][i] == float(weights["hidden_1"][2, 1])
    # layer 2's first neuron: its bias and its own map (tanh on a fixed scale)
    j = nodes["neuron"].index("layer 2, neuron 1")
    assert f"bias {weights['hidden_2/bias'][0]:.4f}" in nodes["detail"][j]
    own = cells["colour"][j * r * r:(j + 1) * r * r]  # its cells, in the nodes' order
    np.testing.assert_array_equal(_image(own), heatmap_rgb(maps[1][..., 0], -1.0, 1.0))
    untrained = network_datasets(spec, None, None)
    assert untrained["links"]["weight"] == [] and len(untrained["nodes"]["neuron"]) == 11


def test_loss_data_skip_a_missing_test_loss():
    class Stats:
        def __init__(self, epoch, loss, test_loss):
            self.epoch, self.loss, self.test_loss = epoch, loss, test_loss

    curves = loss_datasets([Stats(1, 0.9, None), Stats(2, 0.5, None)])["curves"]
    assert curves == {"epoch": [1, 2], "loss": [0.9, 0.5], "series": ["training"] * 2}


def test_confusion_cells_are_the_matrix():
    cells = confusion_datasets(np.array([[5, 1], [2, 7]]))["cells"]
    assert list(zip(cells["true"], cells["predicted"], cells["count"])) == [
        (0, 0, 5), (0, 1, 1), (1, 0, 2), (1, 1, 7)]
