import subprocess
import sys

from dl_core.codegen import keras_script
from dl_core.config import Config
from tests.conftest import ROOT


def test_generated_script_trains_and_prints_accuracy(tmp_path):
    script = keras_script(Config().replace(epochs=2, dropout=0.1, l2=1e-4, optimizer="sgd",
                                           learning_rate=0.1, momentum=0.9, nesterov=True))
    compile(script, "train_mlp.py", "exec")
    path = tmp_path / "train_mlp.py"
    path.write_text(script)
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    *_, validation_line, test_line = result.stdout.strip().splitlines()
    assert validation_line.startswith("validation accuracy: ")
    assert test_line.startswith("test accuracy: ")
    for line in (validation_line, test_line):
        assert 0.5 < float(line.split(": ")[1]) <= 1.0
    assert "Epoch 2/2: " in result.stdout and "val_accuracy" in result.stdout


def test_cnn_script_is_valid_python_with_the_layers():
    script = keras_script(Config().replace(architecture="cnn", batch_norm=True))
    compile(script, "train_cnn.py", "exec")
    assert 'Conv2D(8, 3, padding="same")' in script and "MaxPooling2D(2)" in script
    assert "reshape(-1, 8, 8, 1)" in script and "BatchNormalization()" in script


def test_seed_example_script_uses_raw_pixels():
    from dl_core.presets import apply_preset

    script = keras_script(apply_preset("mlp", "Seed example"))
    assert "raw 0-16 pixels" in script and "Dense(10)" in script and "Dense(8)" in script
    assert "EPOCHS = 10\nBATCH_SIZE = 32\n" in script


def test_script_repeats_the_app_batch_order_and_uses_exact_values():
    script = keras_script(Config().replace(seed=42, learning_rate=0.0012345678,
                                           validation_fraction=0.15000000000000002))
    assert "SEED = 42" in script and "rng = np.random.default_rng(SEED)" in script
    assert "shuffle=False" in script and "keras.utils.set_random_seed(SEED)" in script
    assert "learning_rate=0.0012345678)" in script  # not rounded to 6 digits by "g"
    assert "test_size=0.15000000000000002" in script
    assert "dropout layers" not in script
    assert "dropout layers drop the same units" in keras_script(Config().replace(dropout=0.1))


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_dl_core_never_imports_streamlit():
    code = ("import sys, pkgutil, importlib, dl_core\n"
            "for m in pkgutil.iter_modules(dl_core.__path__):\n"
            "    importlib.import_module('dl_core.' + m.name)\n"
            "assert 'streamlit' not in sys.modules, 'streamlit imported'\n"
            "print('ok')")
    result = run_python(code)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-2000:]


def test_light_modules_do_not_import_tensorflow():
    code = ("import sys\n"
            "import dl_core.config, dl_core.settings, dl_core.data, dl_core.presets, "
            "dl_core.metrics, dl_core.codegen, dl_core.plots, dl_core.runs, dl_core.scratch\n"
            "assert 'tensorflow' not in sys.modules\nprint('ok')")
    result = run_python(code)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-2000:]
