"""FLOPs per example against counts made by hand (issue 11, under way)."""

from dl_core.config import Config
from dl_core.cost import flops_per_example, trainable_parameters
from dl_core.models import build_model


def test_a_small_mlp_by_hand():
    config = Config().replace(architecture="mlp", hidden_units=(16, 8),
                              activations=("relu", "relu"))
    model = build_model(config.model)
    # 64 -> 16: 2*64*16 + 16 = 2064; 16 -> 8: 2*16*8 + 8 = 264; 8 -> 10: 2*8*10 + 10 = 170
    assert flops_per_example(model) == 2064 + 264 + 170
    assert trainable_parameters(model) == (64 * 16 + 16) + (16 * 8 + 8) + (8 * 10 + 10)


def test_a_small_cnn_by_hand():
    config = Config().replace(architecture="cnn", conv_filters=(4,), conv_kernels=(3,),
                              conv_padding=("same",), conv_activations=("relu",),
                              conv_pooling=("max",), head_units=0)
    model = build_model(config.model)
    # conv 3x3, 1 -> 4 channels, "same" on 8x8: 64 positions * (2*3*3*1*4 + 4) = 4864;
    # pooled to 4x4x4 = 64 values -> 10 classes: 2*64*10 + 10 = 1290
    assert flops_per_example(model) == 4864 + 1290
    assert trainable_parameters(model) == (3 * 3 * 1 * 4 + 4) + (64 * 10 + 10)
