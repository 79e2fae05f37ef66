"""End to end in a real browser: headless Chromium (Debian's ``chromium`` +
``chromium-driver``, through Selenium) with the unpacked extension from
resources/extension loaded, a news page served from a loopback web server, and a
Clipper endpoint (ConnectorServer) on a temporary library.

Headless Chromium draws no toolbar and no context menus, so the test uses the extension's
own pages, exactly as a user's click does:
- the options page is filled in and "Save and test" clicked (pairing);
- the popup (popup.html, what the toolbar button opens) is opened in a tab with
  ``?tab=ID`` naming the article's tab: it saves the page on open, as on a click;
- the selection is made in the article's tab with the DOM Selection API, then the
  extension's background is asked (runtime.sendMessage from its own page) to run
  ``clipSelection`` — the function the context menu item and the keyboard command call;
- the badge is read back with ``chrome.action.getBadgeText`` for the article's tab.

Skipped (with the reason) only when Chromium, chromedriver or Selenium is missing;
``.ci/run`` installs them. With CLIPPER_SCREENSHOTS=DIR the test also saves the popup and
options page as PNGs (used for the README).
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from clipper.connector.server import ConnectorServer
from clipper.connector.token import ensure_token
from clipper.library import Library
from clipper_testkit import ROOT, LocalServer, news_page
from e2e_testkit import SELECT, SELECT_CAPTION, SEND, TAB_ID, wait_until

EXTENSION = ROOT / "resources" / "extension"


def _browser() -> tuple[str, str]:
    binary = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                   if shutil.which(n)), None)
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
    return binary, driver


@pytest.fixture
def browser(tmp_path):
    binary, driver_path = _browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                f"--load-extension={EXTENSION}", f"--disable-extensions-except={EXTENSION}",
                f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,850", "--lang=en-US"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(options=opts, service=Service(driver_path))
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def extension_id(driver) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for target in driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]:
            url = target["url"]
            if target["type"] == "service_worker" and url.startswith("chrome-extension://"):
                return url.split("/")[2]
        time.sleep(0.2)
    raise AssertionError("the extension's service worker never started")


def wait_for(driver, script: str, *, timeout: float = 30, what: str = ""):
    return wait_until(driver.execute_script, script, timeout=timeout, what=what)


def test_extension_pairs_saves_the_page_clips_a_selection_and_shows_the_badge(browser, tmp_path):
    shots = os.environ.get("CLIPPER_SCREENSHOTS")
    folder = tmp_path / "library"
    with Library.open(folder) as lib:
        token = ensure_token(lib)
        lib.tags.ensure("coast")
        lib.tags.ensure("energy")
    server = ConnectorServer(folder, port=0)
    server.start()
    captured = []
    server.on_captured = captured.append
    try:
        with LocalServer() as web:
            web.body("/news/skerry-keepers.html", news_page().encode())
            page_url = web.url("/news/skerry-keepers.html")
            ext = extension_id(browser)
            driver = browser

            # ---- the article, in its own tab
            driver.get(page_url)
            article_tab = driver.current_window_handle

            # ---- pairing on the options page
            driver.switch_to.new_window("tab")
            driver.get(f"chrome-extension://{ext}/options.html")
            wait_for(driver, "return document.getElementById('result').textContent", what="options loaded")
            driver.find_element("id", "token").send_keys(token)
            port = driver.find_element("id", "port")
            port.clear()
            port.send_keys(str(server.port))
            driver.find_element("id", "save").click()
            paired = wait_for(driver, "const t = document.getElementById('result').textContent;"
                                      "return t.startsWith('Saved. Paired') ? t : null", what="pairing")
            assert str(folder) in paired and "(0 articles)" in paired
            if shots:
                driver.set_window_size(900, 1000)
                driver.save_screenshot(str(Path(shots) / "extension-options.png"))
            options_tab = driver.current_window_handle

            tab_id = driver.execute_async_script(TAB_ID, page_url)
            badge = driver.execute_async_script(SEND, {"cmd": "badge", "tabId": tab_id})
            assert badge["ok"] and badge["result"]["text"] == ""  # not in the library yet

            # ---- the toolbar button's popup saves the page on open
            driver.switch_to.new_window("tab")
            driver.get(f"chrome-extension://{ext}/popup.html?tab={tab_id}")
            status = wait_for(driver, "const t = document.getElementById('status').textContent;"
                                      "return t.startsWith('✓') || /rror|not/.test(t) ? t : null", what="popup")
            assert status == "✓ Saved to Clipper", status
            assert driver.find_element("id", "title").text == "Lighthouse keepers return to Skerry Point"
            keys = wait_for(driver, "return [...document.querySelectorAll('#tags button')].map(b => b.textContent)",
                            what="tags in the popup")
            assert keys[:2] == ["1coast", "2energy"]
            if shots:
                driver.set_window_size(420, 600)
                driver.find_element("tag name", "body").screenshot(str(Path(shots) / "extension-popup.png"))
            popup_tab = driver.current_window_handle
            with Library.open(folder) as lib:
                (aid,) = lib.articles.ids()
                stored = lib.articles.get(aid)
                assert lib.passages.for_article(aid) == []  # no selection was made yet
            assert stored.url == page_url and "restart it by hand during storms" in stored.text
            assert "A keeper climbs" not in stored.text
            badge = driver.execute_async_script(SEND, {"cmd": "badge", "tabId": tab_id})["result"]
            assert badge["text"] == "✓" and "In your Clipper library" in badge["title"]

            # ---- select text in the article, "Clip selection with tag > 1 coast"
            driver.switch_to.window(article_tab)
            words = "restart it by hand during storms"
            assert driver.execute_script(SELECT, words) == words
            driver.switch_to.window(options_tab)
            answer = driver.execute_async_script(SEND, {"cmd": "clipSelection", "tabId": tab_id, "tags": ["coast"]})
            assert answer["ok"], answer
            result = answer["result"]
            assert result["duplicate"] is True and result["article_id"] == aid and result["orphaned"] is False
            with Library.open(folder) as lib:
                (passage,) = lib.passages.for_article(aid)
            assert passage.id == result["passage_id"] and passage.tags == ["coast"]
            assert stored.text[passage.start:passage.end] == words
            # the badge now counts the passage
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                badge = driver.execute_async_script(SEND, {"cmd": "badge", "tabId": tab_id})["result"]
                if badge["text"] == "1":
                    break
                time.sleep(0.1)
            assert badge["text"] == "1" and "1 passage" in badge["title"]

            # ---- a selection outside the article body is kept, orphaned
            driver.switch_to.window(article_tab)
            driver.execute_script(SELECT_CAPTION)
            driver.switch_to.window(popup_tab)
            answer = driver.execute_async_script(SEND, {"cmd": "clipSelection", "tabId": tab_id})
            assert answer["ok"] and answer["result"]["orphaned"] is True
            with Library.open(folder) as lib:
                orphan = lib.passages.get(answer["result"]["passage_id"])
            assert orphan.status == "orphaned" and orphan.quote == "A keeper climbs the spiral stair at dawn."
            assert driver.execute_async_script(SEND, {"cmd": "badge", "tabId": tab_id})["result"]["text"] == "2"
            assert [c["article_id"] for c in captured] == [aid, aid, aid]
    finally:
        server.stop()


def test_unpaired_extension_says_so(browser, tmp_path):
    """Before pairing, the popup says what to do instead of failing silently."""
    with LocalServer() as web:
        web.body("/a.html", news_page().encode())
        browser.get(web.url("/a.html"))
        ext = extension_id(browser)
        browser.switch_to.new_window("tab")
        browser.get(f"chrome-extension://{ext}/options.html")
        tab_id = browser.execute_async_script(TAB_ID, web.url("/a.html"))
        browser.get(f"chrome-extension://{ext}/popup.html?tab={tab_id}")
        status = wait_for(browser, "const t = document.getElementById('status').textContent;"
                                   "return t.startsWith('Not paired') ? t : null", what="unpaired message")
        assert "pairing token" in status
