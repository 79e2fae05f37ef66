"""Write the README screenshots of the browser extension in a real (headed) Chromium window.

    xvfb-run -s "-screen 0 1280x860x24" .venv/bin/python tools/extension_screenshots.py [--out DIR]

Needs Debian's ``chromium chromium-driver xvfb xdotool imagemagick`` and ``pip install
selenium``. A throwaway library is served on a free port; Chromium starts with the
unpacked extension pinned to the toolbar, is paired on the options page, saves a news page
served from 127.0.0.1 and clips a selection; then the screen is captured (``import -window
root``) showing the toolbar button with its badge, and the context menu on a selection
(opened with a real right-click from ``xdotool``) with its *Clip selection with tag…*
submenu.

Writes extension-button.png and extension-context-menu.png (the options page and popup
come from the end-to-end test: CLIPPER_SCREENSHOTS=DIR pytest tests/e2e).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
EXTENSION = ROOT / "resources" / "extension"


def unpacked_extension_id(path: Path) -> str:
    """Chromium's id for an unpacked extension: sha256 of its path, hex digits as a–p."""
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def serve_page(html: str) -> tuple[ThreadingHTTPServer, str]:
    body = html.encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/coast/skerry-keepers.html"


def shot(path: Path, crop: str | None = None) -> None:
    subprocess.run(["import", "-window", "root", *(["-crop", crop] if crop else []), "+repage", str(path)],
                   check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "resources" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from clipper.connector.server import ConnectorServer
    from clipper.connector.token import ensure_token
    from clipper.library import Library
    from conftest import news_page

    tmp = Path(tempfile.mkdtemp(prefix="clipper-ext-shots-"))
    folder = tmp / "Clippings"
    with Library.open(folder) as lib:
        token = ensure_token(lib)
        for name in ("coast", "energy", "shipping", "local politics"):
            lib.tags.ensure(name)
    server = ConnectorServer(folder, port=0)
    server.start()
    httpd, page_url = serve_page(news_page())
    ext_id = unpacked_extension_id(EXTENSION)
    profile = tmp / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(
        {"extensions": {"pinned_extensions": [ext_id]}, "browser": {"has_seen_welcome_page": True}}))
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--no-sandbox", "--no-first-run", "--disable-gpu", "--window-position=0,0",
                "--window-size=1280,860", f"--load-extension={EXTENSION}",
                f"--disable-extensions-except={EXTENSION}", f"--user-data-dir={profile}", "--lang=en-US",
                "--disable-features=Translate"):
        opts.add_argument(arg)
    opts.add_experimental_option("excludeSwitches", ["enable-automation"])  # no "controlled by" bar
    driver = webdriver.Chrome(options=opts, service=Service(shutil.which("chromedriver")))
    driver.set_script_timeout(60)
    send = ("const done = arguments[arguments.length - 1];"
            "chrome.runtime.sendMessage(arguments[0]).then(done, (e) => done({ok: false, error: String(e)}));")
    try:
        driver.get(page_url)
        article = driver.current_window_handle
        driver.switch_to.new_window("tab")
        driver.get(f"chrome-extension://{ext_id}/options.html")
        time.sleep(1)
        driver.find_element("id", "token").send_keys(token)
        port = driver.find_element("id", "port")
        port.clear()
        port.send_keys(str(server.port))
        driver.find_element("id", "save").click()
        time.sleep(1.5)
        tab_id = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "chrome.tabs.query({url: arguments[0]}).then((tabs) => done(tabs[0].id));", page_url)
        driver.switch_to.window(article)
        driver.execute_script("""
            const p = [...document.querySelectorAll('article p')][1];
            const node = p.firstChild, words = 'restart it by hand during storms';
            const at = node.data.indexOf(words), r = document.createRange();
            r.setStart(node, at); r.setEnd(node, at + words.length);
            getSelection().removeAllRanges(); getSelection().addRange(r);""")
        driver.switch_to.window(driver.window_handles[1])
        answer = driver.execute_async_script(send, {"cmd": "clipSelection", "tabId": tab_id, "tags": ["coast"]})
        assert answer["ok"], answer
        driver.close()
        driver.switch_to.window(article)
        time.sleep(1.0)
        shot(out / "extension-button.png", "1280x90+0+0")

        # a new selection, and a real right-click on it
        rect = driver.execute_script("""
            const p = [...document.querySelectorAll('article p')][2];
            const node = p.firstChild, words = "restore the keepers' cottage";
            const at = node.data.indexOf(words), r = document.createRange();
            r.setStart(node, at); r.setEnd(node, at + words.length);
            getSelection().removeAllRanges(); getSelection().addRange(r);
            const b = r.getBoundingClientRect();
            return {x: b.left + b.width / 2, y: b.top + b.height / 2,
                    top: window.outerHeight - window.innerHeight, left: window.screenX};""")
        x = int(rect["x"] + rect["left"])
        y = int(rect["y"] + rect["top"])
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "3"], check=True)
        time.sleep(1.0)
        # Chromium groups an extension's items under its name ("Save to Clipper", second
        # from the bottom): open it, go to "Clip selection with tag…" and open its tags.
        for key in ("Up", "Up", "Right", "Down", "Right"):
            subprocess.run(["xdotool", "key", key], check=True)
            time.sleep(0.4)
        time.sleep(0.6)
        shot(out / "extension-context-menu.png", "1280x720+0+0")
        subprocess.run(["xdotool", "key", "Escape", "Escape", "Escape"], check=False)
        print(f"wrote {out / 'extension-button.png'} and {out / 'extension-context-menu.png'}")
    finally:
        driver.quit()
        server.stop()
        httpd.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
