// Shared by the popup and the options page: talking to the background, filling a tag list.
"use strict";

const api = globalThis.browser ?? globalThis.chrome;

async function send(message) {
  const answer = await api.runtime.sendMessage(message);
  if (!answer) throw new Error("the extension did not answer");
  if (!answer.ok) {
    const err = new Error(answer.error);
    err.kind = answer.kind;
    throw err;
  }
  return answer.result;
}

function fillTagNames(datalist, tags) {
  datalist.textContent = "";
  for (const tag of tags) {
    const option = document.createElement("option");
    option.value = tag.name;
    datalist.append(option);
  }
}
