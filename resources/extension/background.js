// Save to Clipper — the extension's background (a service worker in Chromium, an event
// page in Firefox). It is the only part that talks to Clipper, over
// http://127.0.0.1:PORT with the pairing token; pages never see the token.
//
// What it sends (POST /v1/capture): the tab's URL, the page as rendered
// (document.documentElement.outerHTML), its title and language, the time, and, when text is
// selected, the selection with a few words before and after it; plus the tags you chose.
// Nothing goes anywhere but 127.0.0.1.
"use strict";

const api = globalThis.browser ?? globalThis.chrome;
const DEFAULT_PORT = 24816;
const FALLBACK_PORTS = 9; // Clipper takes the next free port after the default one
const TAG_MENU_LIMIT = 9;
const TAGS_MAX_AGE_MS = 60_000;
const CONTEXT_CHARS = 64;

class ClipperError extends Error {
  constructor(message, kind = "error") {
    super(message);
    this.kind = kind; // "unpaired" | "offline" | "refused" | "error"
  }
}

async function settings() {
  return api.storage.local.get({token: "", port: DEFAULT_PORT, defaultTag: ""});
}

function candidatePorts(port) {
  const ports = [Number(port) || DEFAULT_PORT];
  for (let p = DEFAULT_PORT; p <= DEFAULT_PORT + FALLBACK_PORTS; p++) {
    if (!ports.includes(p)) ports.push(p);
  }
  return ports;
}

// One request to Clipper. Tries the saved port, then the ports Clipper falls back to, and
// remembers the one that answered with this token.
async function clipper(path, {method = "GET", body} = {}, override = null) {
  const s = {...(await settings()), ...(override || {})};
  const token = (s.token || "").trim();
  if (!token) {
    throw new ClipperError("Not paired yet: open the extension's options and paste the pairing token from Clipper.", "unpaired");
  }
  const headers = {Authorization: `Bearer ${token}`};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let refused = null;
  for (const port of candidatePorts(s.port)) {
    let response;
    try {
      response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store", credentials: "omit",
      });
    } catch (err) {
      continue; // nothing listening there
    }
    let data;
    try {
      data = await response.json();
    } catch (err) {
      data = {error: `unexpected answer (HTTP ${response.status})`};
    }
    if (response.status === 401 && port !== Number(s.port)) {
      refused = refused || new ClipperError(data.error || "wrong pairing token", "refused");
      continue; // another Clipper library listens there
    }
    if (!response.ok) {
      throw new ClipperError(data.error || `HTTP ${response.status}`, response.status === 401 ? "refused" : "error");
    }
    if (port !== Number(s.port) && !override) await api.storage.local.set({port});
    return data;
  }
  throw refused || new ClipperError("Clipper is not running: open the Clipper app (or run `clipper serve`).", "offline");
}

// ------------------------------------------------------------------ reading the page

// Runs inside the page (injected with scripting.executeScript): the page as rendered,
// and the selection with its context.
function pageSnapshot(withSelection, contextChars) {
  const root = document.documentElement;
  const out = {
    url: location.href,
    html: root ? root.outerHTML : "",
    title: document.title || "",
    lang: (root && root.lang) || "",
    time: new Date().toISOString(),
  };
  if (!withSelection) return out;
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return out;
  const exact = sel.toString();
  if (!exact.trim()) return out;
  const range = sel.getRangeAt(0);
  const body = document.body || root;
  const clean = (s) => s.replace(/\s+/g, " ");
  let prefix = "";
  let suffix = "";
  try {
    const before = document.createRange();
    before.selectNodeContents(body);
    before.setEnd(range.startContainer, range.startOffset);
    prefix = clean(before.toString()).slice(-contextChars);
    const after = document.createRange();
    after.selectNodeContents(body);
    after.setStart(range.endContainer, range.endOffset);
    suffix = clean(after.toString()).slice(0, contextChars);
  } catch (err) {
    // a selection outside <body> (rare): no context
  }
  out.selection = {exact, prefix, suffix};
  return out;
}

async function snapshot(tabId, withSelection, fallbackSelection = "") {
  let results;
  try {
    results = await api.scripting.executeScript({
      target: {tabId}, func: pageSnapshot, args: [withSelection, CONTEXT_CHARS],
    });
  } catch (err) {
    throw new ClipperError(`Cannot read this page (${err.message || err}). Browser pages and the web store cannot be clipped.`);
  }
  const page = results && results[0] && results[0].result;
  if (!page) throw new ClipperError("Cannot read this page.");
  if (withSelection && !page.selection && fallbackSelection.trim()) {
    page.selection = {exact: fallbackSelection, prefix: "", suffix: ""};
  }
  return page;
}

// ------------------------------------------------------------------ actions

// Save the tab's page (and, with withSelection, the selected text as a passage).
async function capture(tabId, {withSelection = true, tags = [], selectionText = "", requireSelection = false} = {}) {
  const s = await settings();
  const page = await snapshot(tabId, withSelection, selectionText);
  if (requireSelection && !page.selection) {
    throw new ClipperError("Select some text on the page first.");
  }
  const allTags = [...tags];
  if (s.defaultTag && s.defaultTag.trim()) allTags.push(s.defaultTag.trim());
  const body = {url: page.url, html: page.html, title: page.title, lang: page.lang, time: page.time};
  if (page.selection) body.selection = page.selection;
  if (allTags.length) body.tags = [...new Set(allTags)];
  const result = await clipper("/v1/capture", {method: "POST", body});
  const found = await refreshBadge(tabId, page.url);
  return {...result, url: page.url, selection: page.selection ? page.selection.exact : "",
          passages: found ? found.passages : undefined};
}

async function lookup(url) {
  return clipper(`/v1/lookup?url=${encodeURIComponent(url)}`);
}

// ------------------------------------------------------------------ the badge

async function setBadge(tabId, text, title, color = "#2e7d32") {
  try {
    await api.action.setBadgeText({tabId, text});
    if (text) await api.action.setBadgeBackgroundColor({tabId, color});
    await api.action.setTitle({tabId, title});
  } catch (err) {
    // the tab went away
  }
}

function passagesText(n) {
  return n ? ` — ${n} passage${n === 1 ? "" : "s"}` : "";
}

async function refreshBadge(tabId, url) {
  if (!url || !/^https?:/i.test(url)) {
    await setBadge(tabId, "", "Save to Clipper");
    return null;
  }
  try {
    const found = await lookup(url);
    if (found.in_library) {
      const n = found.passages || 0;
      await setBadge(tabId, n ? String(n) : "✓", `In your Clipper library${passagesText(n)}`);
    } else {
      await setBadge(tabId, "", "Save to Clipper");
    }
    return found;
  } catch (err) {
    await setBadge(tabId, "", `Save to Clipper — ${err.message}`);
    return null;
  }
}

async function refreshActiveBadge() {
  const [tab] = await api.tabs.query({active: true, lastFocusedWindow: true});
  if (tab) await refreshBadge(tab.id, tab.url);
}

api.tabs.onActivated.addListener(async ({tabId}) => {
  try {
    const tab = await api.tabs.get(tabId);
    await refreshBadge(tabId, tab.url);
  } catch (err) { /* closed meanwhile */ }
  refreshTagMenu(false);
});

api.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.status === "complete" || change.url) refreshBadge(tabId, tab.url);
});

// ------------------------------------------------------------------ context menu

let tagsFetchedAt = 0;
let menuBuilt = false;

async function buildMenu(tags) {
  await api.contextMenus.removeAll();
  api.contextMenus.create({id: "clip-selection", title: "Clip selection", contexts: ["selection"]});
  api.contextMenus.create({id: "clip-tag", title: "Clip selection with tag…", contexts: ["selection"]});
  tags.slice(0, TAG_MENU_LIMIT).forEach((tag, i) => {
    api.contextMenus.create({
      id: `tag:${tag.name}`, parentId: "clip-tag", contexts: ["selection"],
      title: `&${i + 1}  ${tag.name.replace(/&/g, "&&")}`,
    });
  });
  if (tags.length) api.contextMenus.create({id: "tag-sep", parentId: "clip-tag", type: "separator", contexts: ["selection"]});
  api.contextMenus.create({id: "tag-other", parentId: "clip-tag", title: "Other tag…", contexts: ["selection"]});
  api.contextMenus.create({id: "save-page", title: "Save page to Clipper", contexts: ["page"]});
  menuBuilt = true;
}

async function refreshTagMenu(force) {
  if (!force && menuBuilt && Date.now() - tagsFetchedAt < TAGS_MAX_AGE_MS) return;
  let tags = [];
  try {
    tags = (await clipper("/v1/tags")).tags || [];
    tagsFetchedAt = Date.now();
  } catch (err) {
    tagsFetchedAt = 0; // try again next time
  }
  await buildMenu(tags);
}

api.runtime.onInstalled.addListener(() => refreshTagMenu(true));
api.runtime.onStartup.addListener(() => refreshTagMenu(true));

async function report(tabId, promise) {
  try {
    const result = await promise;
    await setBadge(tabId, (await api.action.getBadgeText({tabId})) || "✓",
      `${result.duplicate ? "Already in Clipper" : "Saved to Clipper"}: ${result.title}${passagesText(result.passages)}`);
    return result;
  } catch (err) {
    await setBadge(tabId, "!", `Clipper: ${err.message}`, "#c62828");
    if (err.kind === "unpaired") api.runtime.openOptionsPage();
    return null;
  }
}

function openTagPicker(tabId) {
  api.windows.create({
    url: api.runtime.getURL(`popup.html?tab=${tabId}&pick=1`), type: "popup", width: 380, height: 520,
  });
}

api.contextMenus.onClicked.addListener((info, tab) => {
  if (!tab) return;
  const text = info.selectionText || "";
  if (info.menuItemId === "clip-selection") {
    report(tab.id, capture(tab.id, {selectionText: text, requireSelection: true}));
  } else if (info.menuItemId === "save-page") {
    report(tab.id, capture(tab.id, {withSelection: false}));
  } else if (info.menuItemId === "tag-other") {
    openTagPicker(tab.id);
  } else if (typeof info.menuItemId === "string" && info.menuItemId.startsWith("tag:")) {
    const tag = info.menuItemId.slice(4);
    report(tab.id, capture(tab.id, {selectionText: text, requireSelection: true, tags: [tag]}));
  }
});

api.commands.onCommand.addListener(async (command, tab) => {
  if (command !== "clip-selection") return;
  if (!tab) [tab] = await api.tabs.query({active: true, lastFocusedWindow: true});
  if (tab) report(tab.id, capture(tab.id, {requireSelection: true}));
});

// ------------------------------------------------------------------ messages from our pages
// (the popup, the options page; the end-to-end test drives the extension through these too)

const handlers = {
  capture: (m) => capture(m.tabId, {withSelection: m.withSelection !== false, tags: m.tags || [],
                                    requireSelection: !!m.requireSelection}),
  clipSelection: (m) => report(m.tabId, capture(m.tabId, {requireSelection: true, tags: m.tags || []})),
  lookup: async (m) => refreshBadge(m.tabId, m.url || (await api.tabs.get(m.tabId)).url),
  tags: async () => {
    const tags = (await clipper("/v1/tags")).tags || [];
    await buildMenu(tags);
    tagsFetchedAt = Date.now();
    return {tags};
  },
  ping: (m) => clipper("/v1/ping", {}, m.settings || null),
  badge: async (m) => ({text: await api.action.getBadgeText({tabId: m.tabId}),
                        title: await api.action.getTitle({tabId: m.tabId})}),
};

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== api.runtime.id || !message || !handlers[message.cmd]) return false;
  Promise.resolve()
    .then(() => handlers[message.cmd](message))
    .then((result) => sendResponse({ok: true, result}),
          (err) => sendResponse({ok: false, error: err.message || String(err), kind: err.kind || "error"}));
  return true;
});
