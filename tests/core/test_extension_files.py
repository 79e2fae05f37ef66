"""The browser extension as shipped in resources/extension: a Manifest V3 extension for
Chromium and Firefox whose files exist and which talks to the port the server listens on."""
from __future__ import annotations

import json
import re

from clipper.connector.server import DEFAULT_PORT, FALLBACK_PORTS
from clipper_testkit import ROOT

EXT = ROOT / "resources" / "extension"


def manifest() -> dict:
    return json.loads((EXT / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_v3_for_chromium_and_firefox():
    m = manifest()
    assert m["manifest_version"] == 3
    assert m["background"]["service_worker"] == "background.js"  # Chromium
    assert m["background"]["scripts"] == ["background.js"]  # Firefox
    assert m["browser_specific_settings"]["gecko"]["id"]
    assert {"activeTab", "scripting", "contextMenus", "storage", "tabs"} <= set(m["permissions"])
    # it may reach the loopback endpoint and nothing else by itself
    assert m["host_permissions"] == ["http://127.0.0.1/*", "http://localhost/*"]
    assert {"_execute_action", "clip-selection"} <= set(m["commands"])


def test_every_file_the_extension_names_exists():
    m = manifest()
    named = [m["background"]["service_worker"], m["action"]["default_popup"], m["options_ui"]["page"],
             *m["icons"].values(), *m["action"]["default_icon"].values()]
    for page in ("popup.html", "options.html"):
        html = (EXT / page).read_text(encoding="utf-8")
        named += re.findall(r'(?:src|href)="([^"#:]+)"', html)
    missing = [name for name in named if not (EXT / name).is_file()]
    assert missing == []


def test_the_extension_uses_the_servers_ports():
    for name in ("background.js", "options.js"):
        js = (EXT / name).read_text(encoding="utf-8")
        assert f"const DEFAULT_PORT = {DEFAULT_PORT};" in js
    assert f"const FALLBACK_PORTS = {FALLBACK_PORTS};" in (EXT / "background.js").read_text(encoding="utf-8")


def test_context_menu_and_messages_are_wired():
    js = (EXT / "background.js").read_text(encoding="utf-8")
    assert '"Clip selection"' in js and '"Clip selection with tag…"' in js
    assert "/v1/capture" in js and "/v1/lookup" in js and "outerHTML" in js
    # only the extension's own pages may drive it
    assert "sender.id !== api.runtime.id" in js
