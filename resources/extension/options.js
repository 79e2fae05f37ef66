// The options page: pairing token, port, default tag; "Save and test" asks Clipper who it is.
"use strict";

const DEFAULT_PORT = 24816;
const $ = (id) => document.getElementById(id);

function say(text, kind) {
  $("result").textContent = text;
  $("result").className = `status ${kind}`;
}

async function load() {
  const s = await api.storage.local.get({token: "", port: DEFAULT_PORT, defaultTag: ""});
  $("token").value = s.token;
  $("port").value = s.port;
  $("default-tag").value = s.defaultTag;
  if (s.token) test(false);
  else say("Not paired yet.", "busy");
}

async function test(saved) {
  say("Asking Clipper…", "busy");
  try {
    const info = await send({cmd: "ping"});
    const n = info.articles;
    say(`${saved ? "Saved. " : ""}Paired with Clipper — library ${info.library} (${n} article${n === 1 ? "" : "s"}).`, "ok");
    const {tags} = await send({cmd: "tags"});
    fillTagNames($("tag-names"), tags);
  } catch (err) {
    say(err.message, "error");
  }
}

$("reveal").addEventListener("click", () => {
  const shown = $("token").type === "text";
  $("token").type = shown ? "password" : "text";
  $("reveal").textContent = shown ? "Show" : "Hide";
});

$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const port = Number($("port").value) || DEFAULT_PORT;
  if (api.permissions && api.permissions.request) {
    // Firefox asks the user to allow http://127.0.0.1 (Chromium granted it at install).
    try {
      await api.permissions.request({origins: ["http://127.0.0.1/*", "http://localhost/*"]});
    } catch (err) { /* not needed where it is already granted */ }
  }
  await api.storage.local.set({
    token: $("token").value.trim(), port: Math.min(Math.max(port, 1), 65535), defaultTag: $("default-tag").value.trim(),
  });
  test(true);
});

load();
