"""Benchmark the 2D playground: the engine in this process beside its references, then the
page in Chromium on a warm app.

    python -m bench.playground

In this process, for spiral with the sin features and a 2 x 8 tanh network (250 training
points, batch 10): one epoch of PlaygroundTrainer (one graph call) beside one epoch of
``model.fit`` on the same model and data; one evaluation of the output over the 36 x 36
plane in NumPy (what a refresh does) beside ``model.predict`` and a direct model call on
the same grid; and the whole refresh's Python work (both forward passes, the cells'
colours, the datasets as Arrow). In Chromium: seconds from the Play click to the first redrawn
boundary, and how many times a second the boundary is redrawn while it trains.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from playwright.sync_api import Error as PlaywrightError

from tests.browser.harness import button, chromium, streamlit_server, wait_ready

QUERY = ("dataset=spiral&features=x1,x2,sin_x1,sin_x2&hidden=8,8&activations=tanh,tanh"
         "&speed=60")
EPOCH_JS = """() => { const el = document.querySelector('[aria-label^="output over the plane"]');
    const m = el && el.getAttribute('aria-label').match(/after epoch (\\d+)/);
    return m ? parseInt(m[1]) : 0; }"""


def _median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def engine() -> dict:
    import pyarrow as pa

    from dl_core.playground import PlaygroundSpec, PlaygroundTrainer, build, forward_on_grid
    from dl_core.playground_charts import GRID, boundary_chart
    from dl_core.playground_network import network_datasets, thumbnail
    from dl_core.toy2d import input_features, plane_grid
    from ui.live import arrow_bytes

    spec = PlaygroundSpec(dataset="spiral", features=("x1", "x2", "sin_x1", "sin_x2"),
                          hidden=(8, 8), activations=("tanh", "tanh"))
    trainer = PlaygroundTrainer(spec)
    trainer.train_epoch()  # traced
    ours = _median_ms(trainer.train_epoch, 200)
    import keras

    model = build(spec)
    model.compile(optimizer=keras.optimizers.SGD(spec.learning_rate),
                  loss="sparse_categorical_crossentropy")
    x = input_features(trainer.x_train, spec.features)
    model.fit(x, trainer.y_train, batch_size=spec.batch_size, epochs=1, verbose=0)
    fit = _median_ms(lambda: model.fit(x, trainer.y_train, batch_size=spec.batch_size,
                                       epochs=1, verbose=0), 20)
    weights = trainer.kernels()
    grid = input_features(plane_grid(GRID), spec.features)
    numpy_grid = _median_ms(lambda: forward_on_grid(spec, weights, GRID), 200)
    predict = _median_ms(lambda: model.predict(grid, verbose=0), 20)
    call = _median_ms(lambda: model(grid, training=False).numpy(), 50)

    def refresh():
        maps = forward_on_grid(spec, weights, thumbnail(spec))
        output = forward_on_grid(spec, weights, GRID)[-1]
        for data in (network_datasets(spec, weights, maps),
                     boundary_chart(output, 2, trainer.x_train, trainer.y_train)["datasets"]):
            for columns in data.values():
                arrow_bytes(pa.table(columns))

    refresh_ms = _median_ms(refresh, 50)
    return {"epoch": ours, "fit": fit, "grid": numpy_grid, "predict": predict, "call": call,
            "refresh": refresh_ms}


def one_run(browser, url: str) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/playground?{QUERY}")
    wait_ready(page)
    page.evaluate("""([js]) => { window.__redraws = []; let last = 0; const epoch = eval(js);
        window.__timer = setInterval(() => { const n = epoch();
            if (n !== last) { window.__redraws.push(performance.now()); last = n; } }, 5);
        }""", [EPOCH_JS])
    button(page, "Play").click()
    start = time.perf_counter()
    first = None
    while time.perf_counter() - start < 30:
        if first is None and page.evaluate(EPOCH_JS):
            first = time.perf_counter() - start
        if first is not None and time.perf_counter() - start > first + 4:
            break
        time.sleep(0.02)
    redraws = page.evaluate("() => window.__redraws")
    window = [t for t in redraws if redraws[0] + 1000 <= t <= redraws[0] + 4000]
    epochs = page.evaluate(EPOCH_JS)
    try:  # end the run: a paused one would still count as a poller for the next run
        button(page, "Reset").click(timeout=2000)
        page.wait_for_timeout(500)
    except PlaywrightError:
        pass
    page.close()
    return {"first": first, "refresh": len(window) / 3.0, "epochs": epochs}


def main() -> None:
    figures = engine()
    print("2D playground engine: spiral, sin features, 2 x 8 tanh, 250 training points")
    print(f"| one epoch, PlaygroundTrainer (one graph call) | {figures['epoch']:7.2f} ms |")
    print(f"| one epoch, model.fit (reference)              | {figures['fit']:7.2f} ms | "
          f"{figures['fit'] / figures['epoch']:.1f}x ours |")
    print(f"| output over 36 x 36 plane, NumPy              | {figures['grid']:7.2f} ms |")
    print(f"| the same, model.predict (reference)           | {figures['predict']:7.2f} ms | "
          f"{figures['predict'] / figures['grid']:.1f}x ours |")
    print(f"| the same, a direct model call (reference)     | {figures['call']:7.2f} ms | "
          f"{figures['call'] / figures['grid']:.1f}x ours |")
    print(f"| a whole refresh's data (maps, cells, Arrow)    | {figures['refresh']:7.2f} ms |")
    with streamlit_server() as url, chromium() as browser:
        one_run(browser, url)  # warm up: TensorFlow import
        runs = [one_run(browser, url) for _ in range(3)]
    first = statistics.median(r["first"] for r in runs)
    refresh = statistics.median(r["refresh"] for r in runs)
    print("2D playground page in Chromium, warm app (median of 3 runs, 60 epochs/s)")
    print(f"| Play click to first redrawn boundary | {first:5.2f} s  | target <= 1.5 s |")
    print(f"| boundary redraws while training      | {refresh:5.1f} /s | target >= 4 /s  |")
    epochs = statistics.median(r["epochs"] for r in runs)
    print(f"| epochs trained in the run (~5 s)     | {epochs:5.0f}    |")
    print(f"first_boundary_s={first:.2f} redraws_per_s={refresh:.1f} "
          f"epoch_ms={figures['epoch']:.2f} fit_ms={figures['fit']:.1f} "
          f"grid_ms={figures['grid']:.2f} refresh_ms={figures['refresh']:.1f}")
    assert np.isfinite(first)


if __name__ == "__main__":
    main()
