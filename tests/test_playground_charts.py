"""The decision-boundary chart: a fixed spec per problem, the heatmap where the network's
output is, the points with their labels."""

import json

import numpy as np

from dl_core.playground import PlaygroundSpec, PlaygroundTrainer, forward_on_grid
from dl_core.playground_charts import boundary_chart, boundary_datasets, boundary_spec


def test_padding_is_an_object():
    """Streamlit's Vega-Lite element sets padding.bottom: a number crashed it in the
    browser ("Cannot create property 'bottom' on number '4'", seen in Chromium)."""
    assert isinstance(boundary_spec(2)["padding"], dict)


def test_the_spec_is_the_same_while_a_run_trains():
    assert json.dumps(boundary_spec(2)) == json.dumps(boundary_spec(2))
    assert boundary_spec(2) != boundary_spec(3) != boundary_spec(0)
    assert boundary_spec(2, discretize=True) != boundary_spec(2)


def test_the_heatmap_shows_a_trained_circle_inside_out():
    trainer = PlaygroundTrainer(PlaygroundSpec(
        dataset="circle", features=("x1", "x2", "x1_squared", "x2_squared"), hidden=(4,),
        activations=("tanh",), learning_rate=0.1))
    for _ in range(40):
        trainer.train_epoch()
    output = forward_on_grid(trainer.spec, trainer.kernels(), 25)[-1]
    data = boundary_datasets(output, 2, trainer.x_train, trainer.y_train)
    heat = data["heatmap"]
    assert len(heat["x"]) == len(heat["value"]) == 625
    value_at = {(round(x, 3), round(y, 3)): v for x, y, v in zip(heat["x"], heat["y"],
                                                                 heat["value"])}
    assert value_at[(0.0, 0.0)] > 0.8  # the centre is class 1 (inside the circle)
    assert value_at[(-6.0, 6.0)] < 0.2 and value_at[(6.0, -6.0)] < 0.2  # corners: outside
    discrete = boundary_datasets(output, 2, trainer.x_train, trainer.y_train, discretize=True)
    assert set(discrete["heatmap"]["value"]) <= {0.0, 1.0}


def test_more_classes_colour_by_the_likeliest_and_points_carry_their_set():
    output = np.zeros((4, 4, 3))
    output[..., 2] = 0.7
    output[..., 0] = 0.3
    points, labels = np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([2, 0])
    chart = boundary_chart(output, 3, points, labels, points[:1], labels[:1])
    heat, dots = chart["datasets"]["heatmap"], chart["datasets"]["points"]
    assert set(heat["cls"]) == {2} and max(heat["value"]) == 0.7
    assert dots["set"] == ["train", "train", "test"] and dots["label"] == [2, 0, 2]
    assert json.dumps(chart)  # plain JSON: Streamlit sends it as is


def test_regression_values_are_clipped_to_the_scale():
    output = np.full((3, 3, 1), 2.5)
    data = boundary_datasets(output, 0, np.zeros((1, 2)), np.array([0.3]))
    assert set(data["heatmap"]["value"]) == {1.0} and data["points"]["label"] == [0.3]


def test_heatmap_colours_run_from_orange_through_grey_to_blue():
    from dl_core.playground_charts import heatmap_rgb

    rgb = heatmap_rgb(np.array([[-1.0, 0.0, 1.0, 5.0]]))
    assert rgb.dtype == np.uint8 and rgb.shape == (1, 4, 3)
    assert rgb[0, 0].tolist() == [0xF5, 0x93, 0x22]  # orange
    assert rgb[0, 1].tolist() == [0xE8, 0xEA, 0xEB]  # grey
    assert rgb[0, 2].tolist() == rgb[0, 3].tolist() == [0x08, 0x77, 0xBD]  # blue, clipped


def test_neuron_thumbnails_put_each_neurons_own_map_side_by_side():
    from dl_core.playground_charts import heatmap_rgb, neuron_thumbnails

    trainer = PlaygroundTrainer(PlaygroundSpec(hidden=(3,), activations=("relu",)))
    trainer.train_epoch()
    maps = forward_on_grid(trainer.spec, trainer.kernels(), 10)[0]
    strip = neuron_thumbnails(maps, "relu", gap=2)
    assert strip.shape == (10, 3 * 12 - 2, 3)
    second = maps[..., 1]
    scale = np.abs(second).max() or 1.0
    np.testing.assert_array_equal(strip[:, 12:22], heatmap_rgb(second, -scale, scale))
    assert (strip[:, 10:12] == 255).all()  # white gaps between neurons
