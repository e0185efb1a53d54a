// Small progressive enhancements; every page works without this file.
document.documentElement.classList.add("js");
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches && el.matches("select.autosubmit") && el.form) el.form.submit();
});
document.addEventListener("focusin", (event) => {
  const el = event.target;
  if (el.matches && el.matches("input.select-all")) el.select();
});

// A summary a form came back with (errors, a confirmation) is where the reader goes first.
(function () {
  const summary = document.querySelector("[data-focus]");
  if (!summary) return;
  summary.scrollIntoView({ block: "start" });
  summary.focus({ preventScroll: true });
})();

// Quiz: "Finish" with unanswered questions asks first (the server asks too, when this does not run).
(function () {
  const form = document.querySelector("form.quiz-form");
  if (!form || !form.dataset.confirmFinish) return;
  const answered = (fieldset) => {
    if (fieldset.dataset.type === "order") {
      return Array.from(fieldset.querySelectorAll("select.order-pos")).every((s) => s.value !== "");
    }
    return fieldset.querySelector("input:checked") !== null;
  };
  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (!button || button.name !== "finish") return;
    const open = Array.from(form.querySelectorAll("fieldset[data-question]")).filter((f) => !answered(f));
    if (!open.length) return;
    const numbers = open.map((f) => (f.querySelector(".qnum") || {}).textContent || "").map((t) => t.replace(".", ""));
    if (!window.confirm(form.dataset.confirmFinish.replace("{n}", numbers.join(", ")))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      open[0].scrollIntoView({ block: "start" });
      return;
    }
    const anyway = document.createElement("input");
    anyway.type = "hidden";
    anyway.name = "finish_anyway";
    anyway.value = "1";
    form.appendChild(anyway);
  });
})();

// Quiz autosave: every change is sent at once, so a reload or a lost connection loses nothing.
(function () {
  const form = document.querySelector("form[data-autosave]");
  if (!form) return;
  const url = form.dataset.autosave;
  const token = form.querySelector("input[name=csrf_token]").value;
  const status = document.getElementById("save-status");
  const say = (text) => { if (status) status.textContent = text; };
  const responseOf = (fieldset) => {
    const type = fieldset.dataset.type;
    if (type === "order") {
      const selects = Array.from(fieldset.querySelectorAll("select.order-pos"));
      const placed = selects.map((s) => [parseInt(s.name.split("_pos_")[1], 10), parseInt(s.value, 10)]);
      if (placed.some(([, pos]) => Number.isNaN(pos))) return null;
      const positions = new Set(placed.map(([, pos]) => pos));
      if (positions.size !== placed.length) return null;
      return placed.sort((a, b) => a[1] - b[1]).map(([index]) => index);
    }
    return Array.from(fieldset.querySelectorAll("input:checked")).map((i) => parseInt(i.value, 10));
  };
  // An order question is saved once every item has its own position; until then the
  // positions placed so far are kept in this browser, so a reload does not lose them.
  const draftKey = (fieldset) => "rapport-order:" + url + ":" + fieldset.dataset.question;
  const keepDraft = (fieldset) => {
    const values = {};
    fieldset.querySelectorAll("select.order-pos").forEach((s) => { values[s.name] = s.value; });
    try { localStorage.setItem(draftKey(fieldset), JSON.stringify(values)); } catch (e) { /* storage off */ }
  };
  const dropDraft = (fieldset) => {
    try { localStorage.removeItem(draftKey(fieldset)); } catch (e) { /* storage off */ }
  };
  form.querySelectorAll("fieldset[data-type=order]").forEach((fieldset) => {
    let values = null;
    try { values = JSON.parse(localStorage.getItem(draftKey(fieldset)) || "null"); } catch (e) { values = null; }
    if (!values) return;
    fieldset.querySelectorAll("select.order-pos").forEach((s) => {
      if (Object.prototype.hasOwnProperty.call(values, s.name)) s.value = values[s.name];
    });
  });
  form.addEventListener("submit", () => {
    form.querySelectorAll("fieldset[data-type=order]").forEach(dropDraft);
  });
  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("fieldset[data-question]");
    if (!fieldset) return;
    const response = responseOf(fieldset);
    if (fieldset.dataset.type === "order") {
      if (response === null) {
        keepDraft(fieldset);
        say(form.dataset.incomplete || "…");
        return;
      }
      dropDraft(fieldset);
    }
    say(form.dataset.saving || "…");
    waiting.delete(fieldset.dataset.question);
    waiting.set(fieldset.dataset.question, response);
    pump();
  });
  // One request at a time, each question's newest response: a threaded server may finish a later
  // request first, so two quick changes of one answer sent at once could leave the older one saved.
  const waiting = new Map();
  let busy = false;
  const pump = () => {
    if (busy || !waiting.size) return;
    const [question, response] = waiting.entries().next().value;
    waiting.delete(question);
    busy = true;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ question: question, response: response }),
      credentials: "same-origin",
    }).then((r) => r.json().then((body) => ({ ok: r.ok, body })))
      .then(({ ok, body }) => {
        if (ok) { if (!waiting.size) say("✓ " + (form.dataset.saved || "saved")); return; }
        say(body.error ? body.error.message : "!");
        if (body.error && body.error.open === false) window.location.reload();
      })
      .catch(() => say(form.dataset.offline || "offline: press Save answers"))
      .finally(() => { busy = false; pump(); });
  };
})();

// Scorecard drafts: each field is saved as the shopper fills it in. Without a connection the
// answers wait on this device (localStorage) and are sent when it comes back. One request at a
// time, each field's newest value: a threaded server may finish a later request first, so two
// quick changes of one answer ("yes", then "no") sent at once could leave the older one saved.
(function () {
  const form = document.querySelector("form.card-form[data-autosave]");
  if (!form) return;
  const url = form.dataset.autosave;
  const token = form.querySelector("input[name=csrf_token]").value;
  const status = document.getElementById("save-status");
  const key = "rapport-card:" + url;
  const timers = {};
  const say = (text) => { if (status) status.textContent = text; };
  const stored = () => { try { return JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; } };
  // The values not yet saved, newest per field; kept on this device too while storage works.
  const unsaved = stored();
  const keep = () => {
    try {
      if (Object.keys(unsaved).length) localStorage.setItem(key, JSON.stringify(unsaved));
      else localStorage.removeItem(key);
    } catch (e) { /* storage off: the page says the answer was not saved */ }
  };
  const post = (name, value) => fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify({ name: name, value: value }),
    credentials: "same-origin",
  });
  let busy = false;
  const pump = () => {
    const names = Object.keys(unsaved);
    if (busy || !names.length) return;
    const name = names[0];
    const value = unsaved[name];
    busy = true;
    post(name, value).then((r) => {
      busy = false;
      if (unsaved[name] === value) delete unsaved[name];  // a newer value of the field goes next
      keep();
      if (!r.ok) say("! " + (form.dataset.failed || ""));
      else if (!Object.keys(unsaved).length) say("✓ " + (form.dataset.saved || ""));
      pump();
    }).catch(() => {
      busy = false;  // still kept: sent again at the next change or when the connection is back
      say(form.dataset.queued || form.dataset.offline || "offline");
    });
  };
  const save = (name, value) => {
    delete unsaved[name];
    unsaved[name] = value;
    keep();
    pump();
  };
  // Answers kept on this device from an earlier visit to the page go back into the form first.
  Object.entries(unsaved).forEach(([name, value]) => {
    const fields = form.querySelectorAll("[name='" + CSS.escape(name) + "']");
    fields.forEach((el) => {
      if (el.type === "radio") el.checked = el.value === value;
      else el.value = value;
    });
  });
  const progress = document.querySelector(".card-progress");
  const count = () => {
    if (!progress) return;
    const groups = new Set([...form.querySelectorAll("input[type=radio][name^='answer-']")].map((el) => el.name));
    const answered = [...groups].filter((name) => form.querySelector("input[name='" + CSS.escape(name) + "']:checked")).length;
    progress.querySelector("progress").value = answered;
    progress.querySelector(".card-count").textContent = progress.dataset.answered
      .replace("{n}", answered).replace("{total}", groups.size);
  };
  const handler = (event) => {
    const el = event.target;
    if (!el.name || el.name === "csrf_token" || el.form !== form) return;  // an item's photo has its own form
    clearTimeout(timers[el.name]);
    timers[el.name] = setTimeout(() => save(el.name, el.value), el.tagName === "TEXTAREA" ? 600 : 0);
    count();
  };
  form.addEventListener("change", handler);
  form.addEventListener("input", (event) => { if (event.target.tagName === "TEXTAREA") handler(event); });
  window.addEventListener("online", pump);
  count();
  pump();
})();

// Content editor: check and preview as the trainer types; click an error to jump to its line.
(function () {
  const form = document.querySelector("form.editor[data-check]");
  if (!form) return;
  const area = form.querySelector("textarea.source");
  const token = form.querySelector("input[name=csrf_token]").value;
  const problems = document.getElementById("problems");
  const preview = document.getElementById("preview");
  let timer = null;
  const entry = (p, label) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "#source";
    a.dataset.line = p.line;
    a.textContent = p.where || String(p.line);  // "line 5", "строка 5": written by the server
    li.appendChild(a);
    li.appendChild(document.createTextNode(": " + (label ? label + ": " : "") + p.message));
    return li;
  };
  const render = (list, warnings) => {
    problems.textContent = "";
    if (!list.length) {
      const ok = document.createElement("p");
      ok.className = "ok-badge";
      ok.textContent = "✓ " + (problems.dataset.okLabel || "");
      problems.appendChild(ok);
    } else {
      const ul = document.createElement("ul");
      ul.className = "problems";
      list.forEach((p) => ul.appendChild(entry(p, "")));
      problems.appendChild(ul);
    }
    if (warnings.length) {  // advice to the author: shown, never blocking
      const ul = document.createElement("ul");
      ul.className = "warnings";
      warnings.forEach((p) => ul.appendChild(entry(p, problems.dataset.warningLabel || "warning")));
      problems.appendChild(ul);
    }
  };
  area.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fetch(form.dataset.check, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ source: area.value }),
        credentials: "same-origin",
      }).then((r) => r.json()).then((data) => {
        render(data.problems || [], data.warnings || []);
        if (typeof data.preview === "string") preview.innerHTML = data.preview;  // sanitised on the server
      }).catch(() => {});
    }, 500);
  });
  // The skill ids beside the editor: choosing one writes it at the cursor (and checks the text again).
  document.querySelectorAll("[data-insert]").forEach((button) => {
    button.addEventListener("click", () => {
      const start = area.selectionStart, end = area.selectionEnd;
      area.focus();
      area.setRangeText(button.dataset.insert, start, end, "end");
      area.dispatchEvent(new Event("input"));
    });
  });
  problems.addEventListener("click", (event) => {
    const line = parseInt(event.target.dataset && event.target.dataset.line, 10);
    if (!line) return;
    event.preventDefault();
    const lines = area.value.split("\n");
    let pos = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    area.focus();
    area.setSelectionRange(pos, pos + (lines[line - 1] || "").length);
  });
})();

// The header's Menu button on a phone opens and closes the menu; Escape closes it again.
(function () {
  const header = document.getElementById("site-header");
  const button = header && header.querySelector(".menu-button");
  if (!button) return;
  const show = (open) => {
    header.classList.toggle("open", open);
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => show(!header.classList.contains("open")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.classList.contains("open")) {
      show(false);
      button.focus();
    }
  });
})();

// An item's photo on the shopper's card is sent as soon as it is chosen (the Attach button does the same
// without JavaScript).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches && el.matches("input.photo-pick") && el.form && el.files.length) el.form.submit();
});
