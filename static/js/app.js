// Small progressive enhancements; every page works without this file.
// Pages load it from a file, never inline, so a strict Content-Security-Policy holds.
document.documentElement.classList.add("js");

document.addEventListener("submit", (event) => {
  // Guard against double submits: a second click while the first is in flight does nothing.
  const form = event.target;
  if (form.dataset.submitting === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "1";
  setTimeout(() => { form.dataset.submitting = ""; }, 5000);
});

// The phone menu: one button opens and closes it; Escape closes it.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".menu-toggle");
  if (!toggle) return;
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("open", open);
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll(".menu-toggle[aria-expanded=true]").forEach((toggle) => toggle.click());
});

// A select in a form marked data-autosubmit submits its form when changed (the company switcher).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form && event.target.tagName === "SELECT") form.requestSubmit();
});

// Segregation of duties: warn while the permission flags are being ticked, before saving.
function showDutyWarnings(form) {
  const data = document.getElementById("duty-conflicts");
  const box = form.querySelector("[data-duty-warnings]");
  if (!data || !box) return;
  const ticked = (name) => {
    const input = form.querySelector(`input[type=checkbox][name="${name}"]`);
    return Boolean(input && input.checked);
  };
  box.replaceChildren();
  JSON.parse(data.textContent)
    .filter((pair) => ticked(pair.first) && ticked(pair.second))
    .forEach((pair) => {
      const warning = document.createElement("div");
      warning.className = "warning-box";
      warning.setAttribute("role", "alert");
      warning.textContent = "⚠ " + pair.sentence;
      box.append(warning);
    });
}
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-duty-check]");
  if (form && event.target.type === "checkbox") showDutyWarnings(form);
});

// The NetSuite setup guide: each ticked step stays ticked in this browser.
document.querySelectorAll("input[data-guide-step]").forEach((box) => {
  const key = "occupier-guide-" + box.dataset.guideStep;
  if (localStorage.getItem(key) === "1") box.checked = true;
  box.addEventListener("change", () => localStorage.setItem(key, box.checked ? "1" : "0"));
});

// A "select all" box: data-check-all names the checkboxes it ticks and unticks.
document.addEventListener("change", (event) => {
  const all = event.target.closest("input[data-check-all]");
  if (!all) return;
  document
    .querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`)
    .forEach((box) => { box.checked = all.checked; });
});

// Long forms: an empty extra payment stream waits behind an "Add a payment stream" button.
document.querySelectorAll("form [data-extra-form]").forEach((fieldset, index, all) => {
  if (fieldset.querySelector(".error")) return; // a stream with a problem stays in view
  fieldset.hidden = true;
  if (index > 0) return;
  const add = document.createElement("button");
  add.type = "button";
  add.textContent = "Add a payment stream";
  add.addEventListener("click", () => {
    const next = Array.from(all).find((f) => f.hidden);
    if (next) {
      next.hidden = false;
      next.querySelector("input, select")?.focus();
    }
    if (!Array.from(all).some((f) => f.hidden)) add.remove();
  });
  all[all.length - 1].after(add);
});

// The Change lease form shows only the inputs the chosen kind uses (data-kind-fields names the
// JSON of kind → field names); a field with an error stays in view. Without JavaScript, all show.
function showKindFields(form) {
  const uses = JSON.parse(document.getElementById(form.dataset.kindFields).textContent);
  const kind = form.querySelector("select[name=kind]");
  if (!kind) return;
  const every = new Set(Object.values(uses).flat());
  const chosen = new Set(uses[kind.value] || []);
  // The frequency and timing belong with the new payment.
  const owner = { frequency: "new_rent", timing: "new_rent" };
  form.querySelectorAll(".field").forEach((field) => {
    const input = field.querySelector("input[name], select[name], textarea[name]");
    if (!input) return;
    const name = owner[input.name] || input.name;
    if (!every.has(name)) return;
    field.hidden = !chosen.has(name) && !field.querySelector("p.error");
  });
}
document.querySelectorAll("form[data-kind-fields]").forEach((form) => {
  showKindFields(form);
  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") showKindFields(form);
  });
});

// Inline validation: when the user leaves a field, the server checks it with the form's own
// rules (the form's data-check-url answers {"errors": [...]}) and the field shows the same
// sentences a submit would, without sending the page. Without that address, or when the server
// cannot be reached, the browser's own check says whether a required field is empty or a number
// or date cannot be read.
function showFieldErrors(field, input, messages) {
  field.querySelectorAll("p.error").forEach((old) => old.remove());
  messages.forEach((message) => {
    const note = document.createElement("p");
    note.className = "error inline-error";
    note.setAttribute("role", "alert");
    note.textContent = message;
    field.append(note);
  });
  field.classList.toggle("has-error", messages.length > 0);
  if (messages.length) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function browserCheck(input) {
  if (input.required && !input.value.trim()) return ["This field is required."];
  if (!input.checkValidity()) return [input.validationMessage];
  return [];
}

async function serverCheck(form, input, field) {
  const data = new FormData(form);
  data.set("_field", input.name);
  // Only the answer to the latest check of a field is shown.
  const ticket = String(Number(input.dataset.checkTicket || 0) + 1);
  input.dataset.checkTicket = ticket;
  let errors;
  try {
    const response = await fetch(form.dataset.checkUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(String(response.status));
    errors = (await response.json()).errors;
  } catch {
    errors = browserCheck(input);
  }
  if (input.dataset.checkTicket === ticket) showFieldErrors(field, input, errors);
}

document.addEventListener("focusout", (event) => {
  const input = event.target;
  const form = input.closest ? input.closest("form[data-inline-validate]") : null;
  if (!form || !input.name) return;
  if (!["INPUT", "SELECT", "TEXTAREA"].includes(input.tagName)) return;
  if (["hidden", "submit", "button", "file"].includes(input.type)) return;
  const field = input.closest(".field");
  if (!field) return;
  if (form.dataset.checkUrl) serverCheck(form, input, field);
  else showFieldErrors(field, input, browserCheck(input));
});
