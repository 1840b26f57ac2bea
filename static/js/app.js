// Small progressive enhancements; every page works without JavaScript.
document.documentElement.classList.add("js");

document.addEventListener("submit", (event) => {
  // One click, one submission: a double click on submit must not create two proposals.
  const form = event.target;
  if (form.dataset.submitOnce === undefined) return;
  if (event.submitter && event.submitter.name === "preview") return;
  if (form.dataset.submitting) {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "1";
  form.querySelectorAll("button[type=submit]").forEach((button) => button.setAttribute("aria-disabled", "true"));
});

// A choice that applies at once, e.g. the language menu (without JavaScript a button does it).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-submit-on-change]")) event.target.form.submit();
});

// A page restored from the back/forward cache may be submitted again.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("form[data-submitting]").forEach((form) => {
    delete form.dataset.submitting;
    form.querySelectorAll("button[aria-disabled]").forEach((button) => button.removeAttribute("aria-disabled"));
  });
});

// Character counters: "12 / 120" under a field with a limit (without JavaScript the limit is stated).
function updateCounter(counter) {
  const field = document.getElementById(counter.dataset.counterFor);
  if (!field) return;
  const max = Number(counter.dataset.max);
  const used = [...field.value].length;
  counter.textContent = `${used} / ${max}`;
  counter.classList.toggle("is-near-limit", used >= max * 0.9);
}

function setUpCounters(root) {
  root.querySelectorAll("[data-counter-for]").forEach(updateCounter);
}

document.addEventListener("input", (event) => {
  if (!event.target.id) return;
  document.querySelectorAll(`[data-counter-for="${CSS.escape(event.target.id)}"]`).forEach(updateCounter);
});

// Role rows: "Add another role" copies the empty row; "Remove this role" (added here, as it needs
// JavaScript) leaves the row's fields empty and out of sight: an empty row is no role. Without
// JavaScript, the add button asks the server for one more row.
function addRemoveButtons(root) {
  root.querySelectorAll("[data-role-rows]").forEach((rows) => {
    rows.querySelectorAll("[data-role-row]").forEach((row) => {
      if (row.querySelector("[data-remove-role]")) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.dataset.removeRole = "";
      button.textContent = rows.dataset.removeLabel;
      row.append(button);
    });
  });
}

function rowIndex(row) {
  const match = row.querySelector("[name$='-name']")?.name.match(/-(\d+)-name$/);
  return match ? Number(match[1]) : null;
}

document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-role]");
  if (add) {
    const form = add.form;
    const template = form.querySelector("#role-row-template");
    const rows = form.querySelector("[data-role-rows]");
    const total = form.querySelector("input[name$='-TOTAL_FORMS']");
    const max = Number(form.querySelector("input[name$='-MAX_NUM_FORMS']")?.value || Infinity);
    if (!template || !rows || !total) return;
    event.preventDefault();
    // A removed row's place is used again, so the rows stay within the limit.
    const removed = rows.querySelector("[data-removed-row]");
    const index = removed ? Number(removed.dataset.removedRow) : Number(total.value);
    if (!removed && index >= max) return;
    const html = template.innerHTML.replaceAll("__prefix__", index).replaceAll("__number__", index + 1);
    if (removed) removed.remove();
    else total.value = index + 1;
    rows.insertAdjacentHTML("beforeend", html);
    const row = rows.lastElementChild;
    addRemoveButtons(form);
    setUpCounters(row);
    row.querySelector("input")?.focus();
    add.disabled = Number(total.value) >= max && !rows.querySelector("[data-removed-row]");
    return;
  }
  const remove = event.target.closest("[data-remove-role]");
  if (remove) {
    const row = remove.closest("[data-role-row]");
    const form = remove.form;
    const placeholder = document.createElement("div");
    placeholder.dataset.removedRow = rowIndex(row);
    row.querySelectorAll("input").forEach((input) => {
      const kept = document.createElement("input");
      kept.type = "hidden";
      kept.name = input.name;
      kept.value = input.type === "number" ? "1" : "";
      placeholder.append(kept);
    });
    row.replaceWith(placeholder);
    const addButton = form.querySelector("[data-add-role]");
    if (addButton) {
      addButton.disabled = false;
      addButton.focus();
    }
  }
});

// Parts of a page that htmx puts in place get the same enhancements.
document.addEventListener("htmx:afterSettle", (event) => {
  setUpCounters(event.target);
  addRemoveButtons(event.target);
});

document.addEventListener("DOMContentLoaded", () => {
  setUpCounters(document);
  addRemoveButtons(document);
});
