"""The dashboard in a real browser (headless Chromium from Debian, driven by Playwright), with every request that
would leave this machine blocked: the page loads from local assets, a school year steps both runs, and the cut
slider exists. Screenshots go to tests/screenshots/ (not tracked) for a person to look at.

Chromium comes from the Debian package ``chromium``, which ``.ci/run`` installs; Playwright's own browser download
cannot reach its host here.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from test_dashboard import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).parent / "screenshots"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="no chromium on this machine (apt-get install chromium); .ci/run installs it, so CI runs this test")


@pytest.fixture(scope="module")
def dashboard_url():
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("passend")), "dashboard", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=5).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    yield url
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def test_the_page_loads_offline_and_a_school_year_steps_both_runs(dashboard_url):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is not installed; .ci/run installs the Debian package"
    SHOTS.mkdir(exist_ok=True)
    leaving = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})

        def only_this_machine(route):
            if route.request.url.startswith("http://127.0.0.1"):
                route.continue_()
            else:
                leaving.append(route.request.url)
                route.abort()

        page.route("**/*", only_this_machine)
        began = time.monotonic()
        page.goto(dashboard_url)
        page.get_by_text("Step a school year").wait_for(timeout=60_000)
        first_view = time.monotonic() - began
        assert page.get_by_text("October 2003").count() >= 1
        page.screenshot(path=str(SHOTS / "dashboard_start.png"))
        page.get_by_text("Step a school year").click()
        page.get_by_text("August 2004").wait_for(timeout=60_000)
        page.locator("img").first.wait_for(timeout=60_000)  # the charts, drawn after the first count
        page.screenshot(path=str(SHOTS / "dashboard_after_a_year.png"))
        assert page.get_by_text("national cut on the alliances").count() >= 1
        assert page.locator(".v-slider").first.bounding_box()["width"] > 100  # the slider has room to slide
        browser.close()
    assert leaving == [], leaving  # nothing the page needs comes from outside this machine
    print(f"page to controls in {first_view:.1f} s")
