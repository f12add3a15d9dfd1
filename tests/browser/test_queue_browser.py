"""A run past the server's capacity waits in line, says so, and starts by itself."""

from tests.browser.harness import button, curve_epochs, streamlit_server, wait_ready, wait_until


def test_a_queued_run_starts_by_itself_when_the_other_ends(browser):
    with streamlit_server(extra_env={"DL_MAX_ACTIVE_RUNS": "1"}) as url:
        contexts = [browser.new_context(viewport={"width": 1400, "height": 1000})
                    for _ in range(2)]
        first, second = (c.new_page() for c in contexts)
        try:
            first.goto(f"{url}/mlp?epochs=1000&epoch_delay_ms=50&hidden_units=8"
                       "&activations=relu")
            second.goto(f"{url}/mlp?epochs=5&epoch_delay_ms=0&hidden_units=8"
                        "&activations=relu")
            wait_ready(first)
            wait_ready(second)
            button(first, "Train").click()
            wait_until(lambda: curve_epochs(first) >= 2, timeout=60)
            button(second, "Train").click()
            wait_until(lambda: second.get_by_text("waiting for a free slot").count() > 0)
            assert second.get_by_text("number 1").count() > 0 and curve_epochs(second) == 0
            button(first, "Stop").click()  # the slot frees: the queued run starts
            wait_until(lambda: second.get_by_text("finished ·").count() > 0, timeout=60)
            wait_until(lambda: curve_epochs(second) == 5)
        finally:
            for c in contexts:
                c.close()
