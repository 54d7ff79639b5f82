"""The main flows in a real browser (headless Chromium driven by Selenium): public search, login, the warnings
filtered and downloaded, a credit file with its evidence, logout. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.service.fixture_home import ZJ_C, ZJ_D
from tests.service.service_env import PASSWORD

PORT = 18020
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                 reason="chromium and chromium-driver are not installed (.ci/run installs them)")]


@pytest.fixture(scope="module")
def server():
    """The service in threads of this process, on Django's own test server (what LiveServerTestCase runs);
    `qcredit serve` itself, gunicorn's processes, is tested by test_live."""
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    from qcredit.service.wsgi import application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    httpd = ThreadedWSGIServer(("127.0.0.1", PORT), Quiet, allow_reuse_address=True)
    httpd.set_app(application)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{PORT}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile, downloads = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=1366,900", "--lang=zh-CN"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.downloads = downloads
    driver.implicitly_wait(30)  # a busy machine may take seconds to load a page after a click
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(downloads, ignore_errors=True)


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1366, max(900, min(height + 200, 2600)))
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    driver.set_window_size(1366, 900)


def wait_for(condition, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_main_flows_in_a_browser(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(server + "/")
    browser.find_element(By.ID, "q").send_keys("杭州")
    browser.find_element(By.ID, "search").click()
    wait_for(lambda: "q=" in browser.current_url)
    results = browser.find_element(By.ID, "results").text
    assert ZJ_D in results and "杭州预警阀门有限公司" not in results
    shot(browser, "01-public-search")

    browser.find_element(By.ID, "login-link").click()
    browser.find_element(By.ID, "username").send_keys("zj_officer")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for(lambda: browser.current_url.endswith("/warnings"))

    Select(browser.find_element(By.ID, "f-action")).select_by_value("yellow_card")
    browser.find_element(By.ID, "apply").click()
    wait_for(lambda: "action=yellow_card" in browser.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.warnings tbody tr")
    assert len(rows) == 1 and ZJ_C in rows[0].text
    shot(browser, "02-warnings")
    browser.find_element(By.ID, "download-csv").click()
    downloaded = wait_for(lambda: [p for p in browser.downloads.glob("*.csv")])
    lines = downloaded[0].read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("uscc,name,region_code") and len(lines) == 2 and ZJ_C in lines[1]

    browser.find_element(By.LINK_TEXT, ZJ_C).click()
    wait_for(lambda: ZJ_C in browser.current_url)
    reasons = browser.find_element(By.ID, "reasons").text
    assert "C.2" in reasons and "本年度监督抽查不合格" in reasons and "quality/file_20260301.csv" in reasons
    assert "bank_npl" in browser.find_element(By.ID, "signals").text
    shot(browser, "03-credit-file")

    browser.find_element(By.ID, "logout").click()
    wait_for(lambda: browser.find_elements(By.ID, "login-link"))
    browser.get(server + "/warnings")
    assert "/login" in browser.current_url
