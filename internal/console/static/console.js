// trement console: the little script the pages use. Served from
// /static/console.js (the CSP forbids inline script). Without it the pages
// still show everything; live updates and the actions need it.
"use strict";
(function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Words: the page passes their translations (Spanish, Portuguese) in a
  // meta tag; tr("The request failed (%s)", 500) fills each %s in order.
  let words = {};
  try { words = JSON.parse((document.querySelector('meta[name="trement-i18n"]') || {}).content || "{}"); } catch (e) { words = {}; }
  function tr(s, ...args) {
    let i = 0;
    return (words[s] || s).replace(/%s/g, () => String(args[i++]));
  }
  const lang = document.documentElement.lang || undefined;

  // Times: the server writes UTC in <time datetime>; show the operator's
  // own time zone.
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach((t) => {
      const d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d)) {
        t.textContent = d.toLocaleString(lang, { dateStyle: "short", timeStyle: "short" });
        t.title = d.toString();
      }
    });
  }

  // The badge of conversations waiting for a human, and the title's count:
  // the notification that someone escalated.
  const baseTitle = document.title;
  function setWaiting(n) {
    const badge = document.getElementById("waiting-badge");
    if (!badge || isNaN(n)) return;
    const before = parseInt(badge.textContent, 10) || 0;
    badge.textContent = String(n);
    badge.classList.toggle("zero", n === 0);
    document.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
    const live = document.getElementById("live-status");
    if (live && n > before) live.textContent = tr("%s conversation(s) waiting for a human", n);
  }

  // Live regions: an element with data-live is refreshed from that URL (an
  // HTML fragment rendered by the server, through the same permission
  // checks as the page). With data-events the page listens to the
  // server's events there (Server-Sent Events: ids and queues, never
  // content) and refreshes an element when an event concerns it: a
  // conversation changed (any element), a message arrived (the inbox, or
  // the thread of that conversation, data-conversation). Without
  // EventSource, or when the stream is refused, it polls every
  // data-interval ms instead.
  function setup(el) {
    let busy = false, again = false;
    async function tick() {
      if (busy) { again = true; return; }
      busy = true;
      try {
        const r = await fetch(el.dataset.live, { credentials: "same-origin", headers: { Accept: "text/html" } });
        if (r.status === 401 || r.redirected) { location.assign("/login"); return; }
        if (!r.ok) return;
        const html = await r.text();
        setWaiting(parseInt(r.headers.get("X-Waiting-Count"), 10));
        if (html !== el.dataset.last) {
          const seen = new Set([...el.querySelectorAll("[data-key]")].map((e) => e.dataset.key));
          el.innerHTML = html;
          el.dataset.last = html;
          if (seen.size) el.querySelectorAll("[data-key]").forEach((e) => { if (!seen.has(e.dataset.key)) e.classList.add("new"); });
          localTimes(el);
          reapplyReveals(el);
        }
      } catch (e) {
        // offline for a moment: try again on the next tick or event
      } finally {
        busy = false;
        if (again) { again = false; tick(); }
      }
    }
    el.dataset.last = el.innerHTML;
    el.refresh = tick;
    // Events come in bursts (a message, its tick, the bot's answer): one
    // fetch for a burst.
    let pending = null;
    el.soon = () => { if (!pending) pending = setTimeout(() => { pending = null; tick(); }, 150); };
    const conv = el.dataset.conversation || "";
    el.wants = (name, data) => name !== "message" || !conv || data.conversation === conv;
    el.poll = () => {
      if (el.polling) return;
      el.polling = setInterval(tick, parseInt(el.dataset.interval, 10) || 3000);
      tick();
    };
  }

  function listen(url, els) {
    const mode = (m) => { document.body.dataset.live = m; };
    let es;
    try { es = new EventSource(url); } catch (e) { mode("polling"); els.forEach((el) => el.poll()); return; }
    let fallen = false;
    const fallback = () => {
      if (fallen) return;
      fallen = true;
      es.close();
      mode("polling");
      els.forEach((el) => el.poll());
    };
    // Opened, or opened again after a drop: catch up on what was missed.
    es.addEventListener("open", () => { mode("events"); els.forEach((el) => el.soon()); });
    ["conversation", "message"].forEach((name) => es.addEventListener(name, (ev) => {
      let data = {};
      try { data = JSON.parse(ev.data); } catch (e) { /* an event without data concerns everyone */ }
      els.forEach((el) => { if (el.wants(name, data)) el.soon(); });
    }));
    es.addEventListener("reset", () => els.forEach((el) => el.soon()));
    // The session ended: polling finds out and goes to the sign-in page.
    es.addEventListener("end", fallback);
    // A dropped stream is retried by the browser; a refused one (signed
    // out, no permission, too many tabs) is closed for good.
    es.addEventListener("error", () => { if (es.readyState === EventSource.CLOSED) fallback(); });
    // A slow safety net: anything an event could not say shows within a
    // minute.
    setInterval(() => { if (!fallen) els.forEach((el) => el.soon()); }, 60000);
  }

  // Revealed fields, kept so that a live refresh does not mask them again.
  const revealed = { phone: null, profile_name: null, messages: null };
  function reapplyReveals(root) {
    if (revealed.phone !== null) document.querySelectorAll('[data-field="phone"]').forEach((e) => { e.textContent = revealed.phone; e.classList.add("revealed"); });
    if (revealed.profile_name !== null) document.querySelectorAll('[data-field="profile_name"]').forEach((e) => { e.textContent = revealed.profile_name; e.classList.add("revealed"); });
    if (revealed.messages) {
      root.querySelectorAll("[data-msg-id]").forEach((li) => {
        const body = li.querySelector(".body");
        const m = revealed.messages[li.dataset.msgId];
        if (body && m !== undefined) { body.textContent = m; li.classList.add("revealed"); }
      });
    }
  }

  // formBody is a form's fields as a JSON object. A field's data-type
  // says what JSON the API wants: "int" a number, "bool" true or false,
  // "list" an array gathering every checked box of that name (empty if
  // none). Buttons and unchecked boxes send nothing, as in a form post.
  // On a form with data-omit-empty a field left empty is not sent (a
  // correction changes only what the operator filled in).
  function formBody(form) {
    const body = {};
    const omitEmpty = form.dataset.omitEmpty !== undefined;
    for (const el of form.elements) {
      if (!el.name || el.name === "csrf_token" || el.disabled || el.tagName === "BUTTON" || el.tagName === "FIELDSET") continue;
      const type = el.dataset.type;
      if (type === "list" && !(el.name in body)) body[el.name] = [];
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
      let v = el.value;
      if (omitEmpty && v === "" && type !== "list") continue;
      if (type === "int") v = parseInt(v, 10);
      if (type === "bool") v = v === "true";
      if (type === "list") body[el.name].push(v);
      else body[el.name] = v;
    }
    return body;
  }

  // A select with data-fill puts the chosen option's text into its form's
  // field of that name (a canned reply, to edit before sending).
  document.addEventListener("change", (ev) => {
    const sel = ev.target;
    if (!(sel instanceof HTMLSelectElement) || !sel.dataset.fill || !sel.value) return;
    const field = sel.form && sel.form.elements[sel.dataset.fill];
    if (!field) return;
    field.value = sel.value;
    sel.value = "";
    field.focus();
  });

  // Forms with data-api send JSON to that API route with the CSRF token,
  // by data-method (POST if absent), after asking data-confirm if set.
  // data-after: "reload" (the page changes), "thread" (refresh the thread),
  // "reveal" (show the fields the submit button names), "secret" (show the
  // answer's one-time fields in the form's [data-secret] elements, which
  // the page never renders; the form is spent until the page reloads).
  async function submitAPI(ev) {
    const form = ev.target.closest("form[data-api]");
    if (!form) return;
    ev.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const out = form.querySelector(".form-error");
    if (out) out.textContent = "";
    const body = formBody(form);
    const field = ev.submitter ? ev.submitter.value : "";
    form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const r = await fetch(form.dataset.api, {
        method: form.dataset.method || "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), Accept: "application/json" },
        body: JSON.stringify(body),
      });
      const data = await r.json().catch(() => ({}));
      if (!r.ok) {
        if (out) out.textContent = data.error ? tr(data.error) : tr("The request failed (%s)", r.status);
        return;
      }
      const after = form.dataset.after;
      if (after === "reload") { location.reload(); return; }
      if (after === "secret") {
        form.querySelectorAll("[data-secret]").forEach((e) => { e.textContent = data[e.dataset.secret] || ""; });
        form.querySelectorAll("input, select, button").forEach((e) => { e.disabled = true; e.dataset.disabled = "1"; });
        const box = form.querySelector(".form-secret");
        if (box) { box.hidden = false; box.focus(); }
      }
      if (after === "thread") {
        form.reset();
        const t = document.querySelector("[data-live]");
        if (t && t.refresh) t.refresh();
        const done = form.querySelector(".form-done");
        if (done) done.textContent = form.dataset.done || tr("Done.");
      }
      if (after === "reveal") {
        if (field === "phone") revealed.phone = data.phone;
        if (field === "profile_name") revealed.profile_name = data.profile_name;
        if (field === "messages") {
          revealed.messages = {};
          (data.messages || []).forEach((m) => { revealed.messages[m.id] = m.body; });
        }
        reapplyReveals(document);
        const done = form.querySelector(".form-done");
        if (done) done.textContent = tr("Revealed; the reveal and its reason are in the audit log.");
      }
    } catch (e) {
      if (out) out.textContent = tr("The server could not be reached; try again.");
    } finally {
      form.querySelectorAll("button").forEach((b) => { b.disabled = !!b.dataset.disabled; });
    }
  }

  // "Verify the chain": the API walks the audit log and says whether it
  // is intact.
  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button[data-verify]");
    if (!b) return;
    const out = document.getElementById("verify-result");
    out.textContent = tr("Verifying…");
    try {
      const r = await fetch(b.dataset.verify, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const d = await r.json();
      if (!r.ok) out.textContent = d.error ? tr(d.error) : tr("Verification failed (%s)", r.status);
      else if (d.intact) out.textContent = tr("The chain is intact: %s events, %s checkpoints.", d.events, d.checkpoints);
      else out.textContent = tr("The chain is BROKEN at event %s: %s", d.break.seq, d.break.reason);
    } catch (e) {
      out.textContent = tr("The server could not be reached; try again.");
    }
  });

  document.addEventListener("submit", submitAPI);
  localTimes(document);
  const liveEls = [...document.querySelectorAll("[data-live]")];
  liveEls.forEach(setup);
  const events = liveEls.map((el) => el.dataset.events).find((u) => u);
  if (events && window.EventSource) listen(events, liveEls);
  else liveEls.forEach((el) => el.poll());
})();
