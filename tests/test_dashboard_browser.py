"""The dashboard in a real browser (headless Chromium from Debian, driven by Playwright), with every request that
would leave this machine blocked: the page loads from local assets and a school year steps both runs; the cut slider
moved and play pressed change the variant and not the baseline; a lesson opens, sets its runs and levers and explains
itself; the download is a valid pair of results folders; at the projectors a teacher meets (1024 x 768, 1280 x 720)
and on a narrow screen the page fits: no sideways scrolling, the tab bar whole, the chart within the window and above
its bottom edge, the side column beside or below the charts, never over them, also with a lesson open; the server
fetches nothing from outside (no mermaid from a CDN) and warns about no cookie. Screenshots go to tests/screenshots/
(not tracked) for a person to look at.

Chromium comes from the Debian package ``chromium``, which ``.ci/run`` installs; Playwright's own browser download
cannot reach its host here.
"""

import csv
import io
import json
import os
import shutil
import zipfile
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


SERVER_LOG: list[Path] = []  # where the module's server writes its output, read by the last test


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    SERVER_LOG.append(log)
    server = subprocess.Popen([str(Path(sys.executable).with_name("passend")), "dashboard", "--port", str(port)],
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
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


class OfflinePage:
    """A headless Chromium page on the dashboard with every request off this machine blocked (and kept)."""

    def __init__(self, url: str, width: int = 1400, height: int = 900):
        from playwright.sync_api import sync_playwright

        assert CHROMIUM, "chromium is not installed; .ci/run installs the Debian package"
        SHOTS.mkdir(exist_ok=True)
        self.leaving: list[str] = []
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        self.page = self.browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
        self.page.route("**/*", self._only_this_machine)
        self.url = url

    def _only_this_machine(self, route):
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            self.leaving.append(route.request.url)
            route.abort()

    def close(self):
        self.browser.close()
        self._pw.stop()


@pytest.fixture
def browser_page(dashboard_url):
    offline = OfflinePage(dashboard_url)
    yield offline
    offline.close()
    assert offline.leaving == [], offline.leaving  # nothing the page needs comes from outside this machine


def numbers_row(page, label: str) -> tuple[float, float, float]:
    """The baseline, variant and difference of a row of the numbers table under the charts."""
    cells = page.locator("tr", has_text=label).first.locator("td").all_inner_texts()
    return tuple(float(c.replace(",", "").replace("+", "")) for c in cells[1:4])


def test_the_page_loads_offline_and_a_school_year_steps_both_runs(browser_page):
    page, dashboard_url = browser_page.page, browser_page.url
    began = time.monotonic()
    page.goto(dashboard_url)
    page.get_by_text("Step a school year").wait_for(timeout=60_000)
    first_view = time.monotonic() - began
    assert page.get_by_text("October 2003").count() >= 1
    page.screenshot(path=str(SHOTS / "dashboard_start.png"))
    page.get_by_text("Step a school year").click()
    page.get_by_text("August 2004").wait_for(timeout=60_000)
    page.locator("img").first.wait_for(timeout=60_000)  # the charts, drawn after the first count
    first_chart = time.monotonic() - began
    page.screenshot(path=str(SHOTS / "dashboard_after_a_year.png"))
    assert page.get_by_text("national cut on the alliances").count() >= 1
    assert page.locator(".v-slider").first.bounding_box()["width"] > 100  # the slider has room to slide
    print(f"page to controls in {first_view:.1f} s, to the first chart (a school year stepped) in {first_chart:.1f} s")


def test_the_cut_slider_and_play_change_the_variant_and_not_the_baseline(browser_page):
    from passend.experiments.classroom import CLASSROOM_SCALE, PairedRuns

    page = browser_page.page
    page.goto(browser_page.url)
    page.get_by_text("Step a school year").wait_for(timeout=60_000)
    page.get_by_role("slider", name="alliance budget cut").focus()
    for _ in range(30):  # 30 steps of EUR 10 M
        page.keyboard.press("ArrowRight")
    page.get_by_text("national cut on the alliances' budgets = 300 M EUR").wait_for(timeout=30_000)
    page.get_by_role("button", name="Play").click()
    page.get_by_role("heading", name="August 2025").wait_for(timeout=240_000)  # played to the end of the runs
    page.get_by_text("2024-2025", exact=True).wait_for(timeout=30_000)
    base, variant, difference = numbers_row(page, "state pays")
    untouched = PairedRuns(seed=1, scale=CLASSROOM_SCALE)
    while untouched.step_school_year():
        pass
    alone = untouched.outputs()[0].school_years[-1]
    assert alone["school_year"] == "2024-2025"
    assert base == round(alone["pay_state_eur"] / 1e6)  # the baseline as if no lever had been touched
    assert difference < -250 and variant < base
    page.get_by_role("button", name="Money").click()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "dashboard_cut_money.png"), full_page=True)


def test_a_lesson_opens_sets_its_runs_and_levers_and_explains_afterwards(browser_page):
    page = browser_page.page
    page.goto(browser_page.url)
    page.get_by_text("Step a school year").wait_for(timeout=60_000)
    page.locator(".v-select", has=page.locator("label", has_text="lesson")).click()
    page.get_by_role("option", name="What a budget cut does, and who pays").click()
    page.get_by_role("button", name="Open the lesson").click()
    page.get_by_text("The state saves EUR 300 M a year. Who pays it").wait_for(timeout=30_000)
    page.get_by_text("national cut on the alliances' budgets = 300 M EUR").wait_for(timeout=30_000)
    assert page.get_by_text("The state's saving is real").count() == 0  # the explanation waits for the teacher
    page.get_by_role("button", name="Play").click()
    page.get_by_role("heading", name="August 2017").wait_for(timeout=120_000)  # play pauses at the lesson's date
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    assert page.get_by_role("heading", name="August 2017").count() == 1
    page.get_by_role("button", name="Explain what happened").click()
    page.get_by_text("The state's saving is real").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "dashboard_lesson.png"), full_page=True)

    with page.expect_download(timeout=60_000) as download:
        page.get_by_text("Download both runs").click()
    data = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for run in ("baseline", "variant"):
            for file in ("counts.csv", "school_years.csv", "months.csv", "alliances.csv", "manifest.json"):
                assert f"passend-classroom/{run}/{file}" in names, (run, file)
        years = list(csv.DictReader(io.TextIOWrapper(archive.open("passend-classroom/variant/school_years.csv"))))
        manifest = json.loads(archive.read("passend-classroom/variant/manifest.json"))
    assert years[-1]["school_year"] == "2016-2017" and {"pay_state_eur", "home_over_3_months"} <= set(years[0])
    assert manifest["policy_timeline"]["alliance_budget_cut_eur"]["values"]["2003-10-01"] == 300e6


# --- a classroom projector ----------------------------------------------------------------------------------------
def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not on the page"
    return box


def _assert_fits(page, width: int, height: int, where: str) -> None:
    """The layout a class can read: no sideways scrolling; the tab bar whole and inside the window; the chart inside
    the window's width, at least 600 pixels wide (or the window's width less a margin) and above its bottom edge; the
    side column beside the charts (wide windows) or below them (narrow ones), never over them."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{where}: the page scrolls sideways"
    tabs = [page.get_by_role("button", name=name).first.bounding_box()
            for name in ("Pupils", "Money", "Children at home", "Alliances")]
    assert all(t is not None and t["x"] >= 0 and t["x"] + t["width"] <= width + 0.5 for t in tabs), \
        f"{where}: the tab bar is cut: {tabs}"
    chart = _box(page, ".passend-chart img")
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= width + 0.5, f"{where}: chart {chart} beyond the window"
    assert chart["width"] >= min(600, width - 60), f"{where}: chart only {chart['width']:.0f} px wide"
    main, side = _box(page, ".passend-main"), _box(page, ".passend-side")
    if width > 900:
        assert side["x"] + side["width"] <= main["x"] + 0.5, f"{where}: the side column {side} covers the page {main}"
        assert chart["y"] + chart["height"] <= height + 0.5, f"{where}: the chart {chart} runs below the window"
    else:
        assert side["y"] >= main["y"] + main["height"] - 0.5, f"{where}: the side column is not below the charts"


def _step_to(page, last: int) -> None:
    """Step both runs a school year at a time to August ``last``."""
    for year in range(2004, last + 1):
        page.get_by_role("button", name="Step a school year").click()
        page.get_by_role("heading", name=f"August {year}").wait_for(timeout=60_000)
    page.locator(".passend-chart img").first.wait_for(timeout=60_000)


@pytest.mark.parametrize("width,height", [(1024, 768), (1280, 720), (768, 1024)], ids=lambda v: str(v))
def test_the_page_fits_a_classroom_projector_on_every_chart_and_with_a_lesson_open(dashboard_url, width, height):
    offline = OfflinePage(dashboard_url, width, height)
    try:
        page = offline.page
        page.goto(dashboard_url)
        page.get_by_role("button", name="Step a school year").wait_for(timeout=60_000)
        # to 2016 (the alliances hold budgets, so every chart has its data) on the projectors; a narrow screen checks
        # the layout only, after the first counts
        _step_to(page, 2016 if width > 900 else 2005)
        for chart in ("Pupils", "Money", "Children at home", "Alliances"):
            before = page.locator(".passend-chart img").first.get_attribute("src")
            page.get_by_role("button", name=chart).first.click()
            if chart != "Pupils":
                page.wait_for_function("s => document.querySelector('.passend-chart img').src !== s", arg=before,
                                       timeout=60_000)
            page.wait_for_timeout(300)
            page.screenshot(path=str(SHOTS / f"dashboard_{width}x{height}_{chart.lower().replace(' ', '_')}.png"))
            _assert_fits(page, width, height, f"{width}x{height}, {chart}")
        if width > 900:  # "Chart only": the chart takes the window's width, for the back of the classroom
            page.get_by_role("button", name="Chart only").click()
            page.get_by_role("button", name="Show the controls").wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            assert page.locator(".passend-side").first.is_hidden()
            chart = _box(page, ".passend-chart img")
            assert chart["x"] + chart["width"] <= width + 0.5 and chart["y"] + chart["height"] <= height + 0.5
            page.screenshot(path=str(SHOTS / f"dashboard_{width}x{height}_chart_only.png"))
            page.get_by_role("button", name="Show the controls").click()
            page.get_by_role("button", name="Chart only").wait_for(timeout=30_000)
        page.locator(".v-select", has=page.locator("label", has_text="lesson")).click()
        page.get_by_role("option", name="What a budget cut does, and who pays").click()
        page.get_by_role("button", name="Open the lesson").click()
        page.get_by_text("The state saves EUR 300 M a year. Who pays it").wait_for(timeout=30_000)
        _step_to(page, 2005)  # the lesson starts the runs again; its charts show from the first count
        page.screenshot(path=str(SHOTS / f"dashboard_{width}x{height}_lesson.png"))
        _assert_fits(page, width, height, f"{width}x{height}, a lesson open")
    finally:
        offline.close()
    assert offline.leaving == [], offline.leaving


def test_the_server_fetched_nothing_from_outside_and_gave_no_cookie_warning(dashboard_url):
    text = SERVER_LOG[0].read_text()
    assert "mermaid" not in text and "Could not load URL" not in text, text[-2000:]
    assert "samesite" not in text.lower(), text[-2000:]
