"""End to end: ``kofasttext serve`` started as a user starts it (with an index), and its page driven in the
system's headless Chromium through Selenium: a word, an expression, a search, and a screenshot.

Nothing is downloaded: the browser and its driver are Debian's ``chromium`` and ``chromium-driver`` (``.ci/run``
installs them, with ``fonts-nanum`` for the Korean glyphs, when they are missing), given to Selenium by path.
``KOFASTTEXT_SCREENSHOT=FILE`` keeps the screenshot there (the README's was taken so, with the demo model).
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_cli

selenium = pytest.importorskip("selenium")
pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver fonts-nanum)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(demo_model_path, tmp_path):
    """The URL of ``kofasttext serve DEMO_MODEL --index INDEX`` on a free port of 127.0.0.1."""
    docs = tmp_path / "docs.txt"
    lines = (REPO_ROOT / "corpora" / "demo_ko.txt").read_text(encoding="utf-8").splitlines()[:300]
    docs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = tmp_path / "docs.index"
    built = run_cli("index", demo_model_path, docs, "-o", index, "--quiet")
    assert built.returncode == 0, built.stderr
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kofasttext", "serve", str(demo_model_path), "--index", str(index), "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stderr.read()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/models")
            if connection.getresponse().status == 200:
                break
        except OSError:
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    _, errors = process.communicate(timeout=20)
    assert "Traceback" not in errors, errors


@pytest.fixture
def browser():
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1300,1400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def waiting(driver, timeout: float = 20) -> WebDriverWait:
    # The page replaces its panels when an answer arrives: an element found just before is then stale, try again.
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def wait_for(driver, css: str, timeout: float = 20):
    return waiting(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))


def ask(driver, text: str) -> None:
    box = driver.find_element(By.ID, "query")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "go").click()


def test_the_page_shows_neighbours_an_expression_and_search(server, browser, tmp_path):
    browser.get(server)
    waiting(browser).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    assert [box.get_attribute("value") for box in browser.find_elements(By.CSS_SELECTOR, "#models input")] == ["demo"]

    ask(browser, "몰랐겠지")
    wait_for(browser, ".panel ol.neighbors .word")
    panel = browser.find_element(By.CSS_SELECTOR, ".panel")
    assert panel.get_attribute("data-model") == "demo"
    words = [node.text for node in panel.find_elements(By.CSS_SELECTOR, "ol.neighbors .word")]
    assert len(words) == 10
    stem = [word.startswith(("몰", "모르", "모를")) for word in words]  # forms of 모르다 share its stem
    assert sum(stem[:5]) >= 2 and sum(stem) >= 3, words
    assert panel.find_element(By.CSS_SELECTOR, ".query-line .badge.oov").text == "OOV"  # not in the corpus
    assert len(panel.find_elements(By.CSS_SELECTOR, "svg.map circle")) == 11  # the word and its neighbours
    chips = [chip.text for chip in panel.find_elements(By.CSS_SELECTOR, ".subwords .subword")]
    assert "<몰" in chips and len(chips) > 10

    ask(browser, "한국 - 서울 + 도쿄")
    waiting(browser).until(lambda d: "서울" in d.find_element(By.CSS_SELECTOR, ".panel .query-line").text)
    panel = browser.find_element(By.CSS_SELECTOR, ".panel")
    result = [node.text for node in panel.find_elements(By.CSS_SELECTOR, "ol.neighbors .word")]
    assert len(result) == 10 and not {"한국", "서울", "도쿄"} & set(result)
    assert panel.find_elements(By.CSS_SELECTOR, "svg.map circle.query")

    browser.find_element(By.ID, "search-query").send_keys("김치찌개 맛있었다")
    browser.find_element(By.ID, "search-go").click()
    hits = wait_for(browser, "#search-results li")
    assert len(hits) == 10 and "김치" in hits[0].text

    ask(browser, "몰랐겠지")  # the screenshot shows the word's page
    waiting(browser).until(lambda d: "몰랐겠지" in d.find_element(By.CSS_SELECTOR, ".panel .query-line").text)
    wait_for(browser, ".panel svg.map circle")
    shot = Path(os.environ.get("KOFASTTEXT_SCREENSHOT") or tmp_path / "page.png")
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
