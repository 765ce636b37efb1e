// fakereg's page: copy buttons, and the live traffic view (polling /traffic/rows?since=N).
"use strict";

function copyText(id, button) {
  const text = document.getElementById(id).textContent;
  const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => selectText(id));
  } else {
    selectText(id);
  }
}

function selectText(id) {
  const range = document.createRange();
  range.selectNodeContents(document.getElementById(id));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

// One row of the traffic table, as the server renders it (pages/traffic.py, _row_html).
function trafficRow(data) {
  const row = document.createElement("tr");
  row.dataset.seq = data.seq;
  row.className = "s" + String(data.status).charAt(0) + (data.fault ? " faulted" : "");
  const first = row.insertCell();
  const link = document.createElement("a");
  link.href = "/traffic/" + data.seq;
  link.textContent = data.seq;
  first.appendChild(link);
  cell(row, data.time);
  cell(row, data.method);
  cell(row, data.path, "path");
  cell(row, data.kind);
  cell(row, (data.crate || "") + (data.crate && data.version ? " " + data.version : ""));
  cell(row, data.status === 0 ? "cut" : String(data.status));
  cell(row, String(data.duration_ms), "num");
  cell(row, data.fault || "");
  return row;
}

function startTraffic(box) {
  const form = document.getElementById("traffic-filters");
  const body = box.querySelector("tbody");
  const live = document.getElementById("live");
  const detail = document.getElementById("detail");
  const split = box.parentElement;
  const maxRows = 1000;
  let since = Number(box.dataset.lastSeq || 0);
  let generation = 0;
  let failures = 0;

  function filters() {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
    return params;
  }

  async function poll() {
    const mine = generation;
    const params = filters();
    params.set("since", String(since));
    try {
      const answer = await fetch("/traffic/rows?" + params, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      });
      if (!answer.ok) throw new Error("status " + answer.status);
      const data = await answer.json();
      if (mine !== generation) return;
      const rows = data.rows.slice().reverse();  // oldest first, each put on top
      for (const item of rows) {
        const row = trafficRow(item);
        if (since > 0) row.classList.add("new");
        body.insertBefore(row, body.firstChild);
      }
      while (body.rows.length > maxRows) body.deleteRow(body.rows.length - 1);
      since = data.last_seq;
      failures = 0;
      live.hidden = false;
      live.classList.remove("paused");
      live.textContent = "live";
    } catch (error) {
      failures += 1;
      live.hidden = false;
      live.classList.add("paused");
      live.textContent = "offline";
    }
  }

  async function loop() {
    for (;;) {
      if (!document.hidden) await poll();
      await new Promise((resolve) => setTimeout(resolve, failures ? 2000 : 300));
    }
  }

  let pending = null;
  function refilter() {
    clearTimeout(pending);
    pending = setTimeout(() => {
      generation += 1;
      since = 0;
      body.replaceChildren();
      const query = filters().toString();
      history.replaceState(null, "", "/traffic" + (query ? "?" + query : ""));
      poll();
    }, 200);
  }
  form.addEventListener("input", refilter);
  form.addEventListener("change", refilter);
  form.addEventListener("submit", (event) => { event.preventDefault(); refilter(); });

  body.addEventListener("click", async (event) => {
    const row = event.target.closest("tr");
    if (!row || !row.dataset.seq) return;
    event.preventDefault();
    for (const other of body.querySelectorAll("tr.selected")) other.classList.remove("selected");
    row.classList.add("selected");
    const answer = await fetch("/traffic/" + row.dataset.seq + "?part=detail", {
      headers: { Accept: "text/html" }, credentials: "same-origin",
    });
    detail.innerHTML = await answer.text();  // the server's own escaped HTML
    detail.hidden = false;
    split.classList.add("open");
  });

  loop();
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", () => copyText(button.dataset.copy, button));
  }
  const traffic = document.getElementById("traffic");
  if (traffic) startTraffic(traffic);
});
