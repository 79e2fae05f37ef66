// The toolbar button's popup: opening it saves the page (and the selection, if any), then
// offers the library's tags (keys 1–9, as in the app) for the page or the new passage.
// Opened as popup.html?tab=ID&pick=1 by "Clip selection with tag… > Other tag…": it then
// only asks for a tag and clips the selection with it.
"use strict";

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
let tabId = null;
let tagNames = [];
let hadSelection = false;

function show(status, {title = "", detail = "", kind = "ok"} = {}) {
  const el = $("status");
  el.textContent = status;
  el.className = `status ${kind}`;
  $("title").textContent = title;
  $("detail").textContent = detail;
}

function describe(result) {
  const saved = result.duplicate ? "Already in your library" : "Saved to Clipper";
  let detail = "";
  if (result.passage_id != null) {
    detail = result.orphaned
      ? "The selection is not in the article text Clipper kept, so it was saved as an orphaned passage with its words and a note."
      : "The selection is now a passage.";
  }
  return {saved, detail};
}

async function capture(tags = []) {
  const result = await send({cmd: "capture", tabId, tags});
  hadSelection = result.passage_id != null;
  const {saved, detail} = describe(result);
  const what = tags.length ? `${saved} — tagged ${tags.join(", ")}` : saved;
  show(`✓ ${what}`, {title: result.title, detail});
  $("tag-heading").textContent = hadSelection ? "Tag the passage" : "Tag the article";
  return result;
}

function renderTags(tags) {
  tagNames = tags.map((t) => t.name);
  const list = $("tags");
  list.textContent = "";
  tags.slice(0, 9).forEach((tag, i) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    const key = document.createElement("kbd");
    key.textContent = String(i + 1);
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = /^#[0-9a-f]{3,8}$/i.test(tag.color) ? tag.color : "#ffd54f";
    const name = document.createElement("span");
    name.textContent = tag.name;
    button.append(key, swatch, name);
    button.addEventListener("click", () => choose(tag.name));
    li.append(button);
    list.append(li);
  });
  fillTagNames($("tag-names"), tags);
  $("tagging").hidden = false;
}

async function choose(name) {
  name = (name || "").trim();
  if (!name) return;
  const known = tagNames.find((t) => t.toLowerCase() === name.toLowerCase());
  name = known || name;
  try {
    if (params.get("pick")) {
      show("Clipping…", {kind: "busy"});
      const result = await send({cmd: "capture", tabId, tags: [name], requireSelection: true});
      const {detail} = describe(result);
      show(`✓ Clipped with ${name}`, {title: result.title, detail});
      setTimeout(() => window.close(), 900);
    } else {
      show("Tagging…", {kind: "busy"});
      await capture([name]);
    }
    $("tag-input").value = "";
  } catch (err) {
    show(err.message, {kind: "error"});
  }
}

document.addEventListener("keydown", (event) => {
  if (event.target === $("tag-input") || event.ctrlKey || event.altKey || event.metaKey) return;
  if (/^[1-9]$/.test(event.key)) {
    const name = tagNames[Number(event.key) - 1];
    if (name) {
      event.preventDefault();
      choose(name);
    }
  }
});

$("tag-form").addEventListener("submit", (event) => {
  event.preventDefault();
  choose($("tag-input").value);
});

$("open-options").addEventListener("click", (event) => {
  event.preventDefault();
  api.runtime.openOptionsPage();
});

async function main() {
  if (params.get("tab")) {
    tabId = Number(params.get("tab"));
  } else {
    const [tab] = await api.tabs.query({active: true, currentWindow: true});
    tabId = tab ? tab.id : null;
  }
  if (tabId == null) {
    show("No page to save.", {kind: "error"});
    return;
  }
  try {
    if (params.get("pick")) {
      show("Clip the selection with which tag?", {kind: "ok"});
    } else {
      await capture();
    }
    renderTags((await send({cmd: "tags"})).tags);
    $("tag-input").focus();
  } catch (err) {
    show(err.message, {kind: "error"});
    if (err.kind === "unpaired") $("detail").textContent = "Open Options to pair the extension with Clipper.";
  }
}

main();
