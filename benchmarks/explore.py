"""``reglab explore`` as a person meets it, timed in the page with ``performance.now()`` through Playwright and
Debian's Chromium: the lecture's surface after opening the page (warm caches: a first server and page load warm
them), slider redraws (median of 50 moves of each slider), a change of regularizer (first new model, whole path),
and a first change of epochs, samples (150, then 400: another shuffle size), noise and validation split
(first new model). Starts and stops its own server in a fresh process.

    python benchmarks/explore.py [--moves 50]
"""

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/lib/chromium/chromium"


def serve():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen([sys.executable, "-m", "reglab", "explore", "--no-browser", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "api/controls", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server did not start")


def opened(browser, url):
    """Milliseconds from navigation to the lecture's surface, and to the whole path."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.wait_for_function("window.reglab.timings.lastModel !== null", timeout=120_000)
    t = page.evaluate("window.reglab.timings")
    return page, t["firstSurface"], t["requestStart"] + t["lastModel"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=50)
    moves = parser.parse_args().moves
    server, url = serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            warming = opened(browser, url)[0]  # compiles or loads the programs; a person's second visit is this
            warming.close()
            page, first, whole = opened(browser, url)
            print(f"open the page -> lecture's surface drawn: {first:.0f} ms; whole 13-model path: {whole:.0f} ms")
            for slider, top in (("lambda", 12), ("epoch", 15)):
                page.evaluate("window.reglab.timings.redraws = []")
                for i in range(moves):
                    page.locator(f"#{slider}").fill(str((i * 5) % (top + 1)))
                redraws = page.evaluate("window.reglab.timings.redraws")
                print(f"{slider} slider: median redraw {statistics.median(redraws):.1f} ms over {len(redraws)} "
                      f"moves (max {max(redraws):.1f} ms)")
            for name, value in (("epochs", "1500"), ("n", "150"), ("noise", "0.3"), ("validation_split", "0.3"),
                                ("n", "400"), ("n", "150")):  # 400 rows train 4x as long: back to 150 after it
                page.locator(f"#c-{name}").fill(value)  # a value not chosen before: the first time it is asked
                page.locator(f"#c-{name}").dispatch_event("change")
                page.wait_for_function(f"""() => {{ const s = window.reglab.state;
                    return s.scene && String(s.scene.controls[{name!r}]) === {value!r}
                        && window.reglab.timings.firstModel !== null; }}""", timeout=120_000)
                t = page.evaluate("window.reglab.timings")
                print(f"{name} -> {value}: first new model {t['firstModel']:.0f} ms")
            for kind in ("l2", "l1_proximal", "dropout"):
                page.locator("#c-regularizer").select_option(kind)
                page.wait_for_function(f"""() => {{ const s = window.reglab.state;
                    return s.scene && s.scene.controls.regularizer === {kind!r}
                        && window.reglab.timings.lastModel !== null; }}""", timeout=120_000)
                t = page.evaluate("window.reglab.timings")
                print(f"regularizer -> {kind}: first new model {t['firstModel']:.0f} ms, whole path "
                      f"{t['lastModel']:.0f} ms")
            browser.close()
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
