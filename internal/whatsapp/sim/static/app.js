// Customer phone simulator. Plain DOM, no dependencies, no inline script:
// the page's Content-Security-Policy only allows this file.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = { threads: [], current: null, openRows: {}, seen: {} };

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function digits(s) { return (s || "").replace(/[^0-9]/g, ""); }

  function showError(msg) { $("error").textContent = msg || ""; }

  async function api(method, path, body) {
    const opts = { method: method, headers: {} };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  async function refresh() {
    try {
      const data = await api("GET", "/sim/api/threads");
      $("business").textContent = data.business.name + " (+" + data.business.display_number + ")";
      state.threads = data.threads || [];
      render();
    } catch (e) {
      showError("Cannot reach the simulator: " + e.message);
    }
  }

  let pending = null;
  function scheduleRefresh() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh(); }, 50);
  }

  function currentThread() {
    if (!state.current) return null;
    return state.threads.find((t) => t.wa_id === state.current.wa_id) || null;
  }

  function render() {
    const list = $("threads");
    list.replaceChildren();
    for (const t of state.threads) {
      const li = el("li", state.current && state.current.wa_id === t.wa_id ? "active" : "");
      li.append(el("strong", "", t.name), document.createTextNode(" +" + t.wa_id));
      const last = t.messages[t.messages.length - 1];
      li.append(el("span", "last", last ? (last.direction === "in" ? "You: " : "") + last.text : ""));
      li.addEventListener("click", () => openChat(t.wa_id, t.name));
      list.append(li);
    }
    renderChat();
  }

  function renderChat() {
    const box = $("messages");
    const t = currentThread();
    const on = !!state.current;
    $("text").disabled = !on;
    $("send").disabled = !on;
    $("file").disabled = !on;
    if (!on) { $("chat-title").textContent = "No chat open"; box.replaceChildren(); return; }
    $("chat-title").textContent = state.current.name + " · +" + state.current.wa_id;
    const typingUntil = t && t.typing_until ? Date.parse(t.typing_until) : 0;
    $("typing").hidden = !(typingUntil > Date.now());
    if (typingUntil > Date.now()) setTimeout(renderChat, typingUntil - Date.now() + 50);

    const msgs = t ? t.messages : [];
    const key = state.current.wa_id;
    // Follow new messages; otherwise keep the reader's scroll position.
    const grew = state.seen[key] !== msgs.length;
    state.seen[key] = msgs.length;
    const top = box.scrollTop;
    box.replaceChildren();
    const byId = {};
    for (const m of msgs) byId[m.id] = m;
    for (const m of msgs) box.append(renderMessage(m, byId));
    box.scrollTop = grew ? box.scrollHeight : top;
  }

  function renderMessage(m, byId) {
    const li = el("li", "msg " + m.direction);
    if (m.reply_to && byId[m.reply_to]) li.append(el("div", "quote", byId[m.reply_to].text));
    if (m.header) li.append(el("div", "header", m.header));
    li.append(el("div", "body", m.text));
    if (m.footer) li.append(el("div", "footer", m.footer));
    if (m.document) {
      const d = el("div", "document", "📄 " + (m.document.filename || "document") + (m.document.viewable ? "" : " (WhatsApp cannot show this type)"));
      li.append(d);
    }
    if (m.links && m.links.length) {
      const c = el("div", "links");
      for (const href of m.links) {
        const a = el("a", "", href);
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        c.append(a);
      }
      li.append(c);
    }
    if (m.buttons && m.buttons.length) {
      const c = el("div", "choices");
      for (const b of m.buttons) {
        const btn = el("button", "", b.title);
        btn.type = "button";
        btn.addEventListener("click", () => send({ button_reply: { id: b.id, title: b.title }, context: m.id }));
        c.append(btn);
      }
      li.append(c);
    }
    if (m.list) li.append(renderList(m));
    if (m.reaction) li.append(el("span", "reaction", m.reaction));
    if (m.error) li.append(el("div", "failed", "failed: " + m.error));
    const time = new Date(m.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    let tick = "";
    if (m.direction === "in") tick = m.status === "read" ? " ✓✓" : " ✓";
    else if (m.status) tick = " · " + m.status;
    li.append(el("span", "meta" + (m.direction === "in" && m.status === "read" ? " read" : ""), time + tick));
    return li;
  }

  function renderList(m) {
    const wrap = el("div", "choices");
    const open = el("button", "", "☰ " + m.list.button);
    open.type = "button";
    const rows = el("div", "rows");
    rows.hidden = !state.openRows[m.id];
    open.addEventListener("click", () => { state.openRows[m.id] = !state.openRows[m.id]; rows.hidden = !state.openRows[m.id]; });
    for (const s of m.list.sections) {
      if (s.title) rows.append(el("div", "section", s.title));
      for (const r of s.rows) {
        const b = el("button", "", r.title);
        b.type = "button";
        if (r.description) b.append(el("span", "desc", r.description));
        b.addEventListener("click", () => {
          state.openRows[m.id] = false;
          send({ list_reply: { id: r.id, title: r.title, description: r.description || "" }, context: m.id });
        });
        rows.append(b);
      }
    }
    wrap.append(open, rows);
    return wrap;
  }

  function openChat(number, name) {
    const wa = digits(number);
    if (wa.length < 6 || wa.length > 15) { showError("A number needs 6 to 15 digits."); return; }
    const known = state.threads.find((t) => t.wa_id === wa);
    state.current = { wa_id: wa, name: name || (known ? known.name : "") || "+" + wa };
    delete state.seen[wa];
    showError("");
    render();
    $("text").focus();
  }

  async function send(payload) {
    if (!state.current) return;
    const body = Object.assign({ from: "+" + state.current.wa_id, name: state.current.name }, payload);
    try {
      await api("POST", "/sim/api/send", body);
      showError("");
      scheduleRefresh();
    } catch (e) {
      showError(e.message);
    }
  }

  async function loadFaults(data) {
    try {
      data = data || await api("GET", "/sim/api/faults");
      const sel = $("fault");
      if (!sel.options.length) for (const f of data.known) sel.append(new Option(f, f));
      const p = (data.pending || []).map((f) => f.fault + " ×" + f.count).join(", ");
      $("fault-state").textContent = "Pending: " + (p || "none") + " · latency " + data.latency_ms + " ms";
    } catch (e) {
      $("fault-state").textContent = e.message;
    }
  }

  function connect() {
    if (!window.EventSource) { setInterval(refresh, 2000); return; }
    const es = new EventSource("/sim/api/events");
    es.addEventListener("update", () => { scheduleRefresh(); loadFaults(); });
    // EventSource reconnects by itself; poll meanwhile.
    let poll = null;
    es.addEventListener("error", () => { if (!poll) poll = setInterval(refresh, 3000); });
    es.addEventListener("open", () => { if (poll) { clearInterval(poll); poll = null; } });
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("preset").addEventListener("change", (e) => {
      const [num, name] = e.target.value.split("|");
      if (num) { $("number").value = num; $("name").value = name; }
    });
    $("new-chat").addEventListener("submit", (e) => {
      e.preventDefault();
      openChat($("number").value, $("name").value.trim());
    });
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = $("text").value;
      if (!text.trim()) return;
      $("text").value = "";
      send({ text: text });
    });
    $("file").addEventListener("change", (e) => {
      const f = e.target.files[0];
      e.target.value = "";
      if (!f) return;
      if (f.size > 16 * 1024 * 1024) { showError("Files up to 16 MiB."); return; }
      const type = f.type || "application/octet-stream";
      const kind = type.startsWith("image/") ? "image" : type.startsWith("video/") ? "video" : type.startsWith("audio/") ? "audio" : "document";
      const reader = new FileReader();
      reader.addEventListener("load", () => {
        const data = String(reader.result).split(",")[1] || "";
        const caption = $("text").value;
        $("text").value = "";
        send({ file: { kind: kind, data: data, mime_type: type, caption: kind === "audio" ? "" : caption, filename: kind === "document" ? f.name : "" } });
      });
      reader.readAsDataURL(f);
    });
    $("fault-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const data = await api("POST", "/sim/api/faults", {
          fault: $("fault").value,
          count: parseInt($("fault-count").value, 10) || 1,
          latency_ms: parseInt($("latency").value, 10) || 0,
        });
        loadFaults(data);
      } catch (err) { $("fault-state").textContent = err.message; }
    });
    $("fault-clear").addEventListener("click", async () => {
      try { loadFaults(await api("DELETE", "/sim/api/faults")); } catch (err) { $("fault-state").textContent = err.message; }
    });
    refresh();
    loadFaults();
    connect();
  });
})();
