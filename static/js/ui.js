// The design system's behaviour: menus, the filters sheet, toasts. Every page works without it.
(() => {
  "use strict";
  if (window.incubatorUi) return;

  const phone = window.matchMedia("(max-width: 47.99rem)");
  const focusable = 'a[href], button:not([disabled]), input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])';

  // Menus (<details data-menu>): one open at a time; a click elsewhere or Escape closes them.
  document.addEventListener("click", (event) => {
    document.querySelectorAll("details[data-menu][open]").forEach((menu) => {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const menu = event.target.closest?.("details[data-menu][open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
      return;
    }
    const sheet = document.querySelector("[data-sheet].is-open");
    if (sheet) closeSheet(sheet);
  });

  // The filters sheet: on a phone, a modal sheet behind the "Filters" button; on a desk, a bar.
  function toggleFor(sheet) {
    return document.querySelector(`[data-sheet-toggle][aria-controls="${sheet.id}"]`);
  }

  function backdropFor(sheet) {
    const before = sheet.previousElementSibling;
    return before?.matches("[data-sheet-backdrop]") ? before : null;
  }

  function openSheet(sheet) {
    sheet.classList.add("is-open");
    backdropFor(sheet)?.classList.add("is-open");
    sheet.setAttribute("role", "dialog");
    sheet.setAttribute("aria-modal", "true");
    if (sheet.dataset.sheetTitle) sheet.setAttribute("aria-labelledby", sheet.dataset.sheetTitle);
    document.body.classList.add("sheet-open");
    toggleFor(sheet)?.setAttribute("aria-expanded", "true");
    sheet.querySelector("input, select, textarea, button")?.focus();
  }

  function closeSheet(sheet, { returnFocus = true } = {}) {
    if (!sheet.classList.contains("is-open")) return;
    sheet.classList.remove("is-open");
    backdropFor(sheet)?.classList.remove("is-open");
    ["role", "aria-modal", "aria-labelledby"].forEach((name) => sheet.removeAttribute(name));
    document.body.classList.remove("sheet-open");
    const toggle = toggleFor(sheet);
    toggle?.setAttribute("aria-expanded", "false");
    if (returnFocus) toggle?.focus();
  }

  document.addEventListener("click", (event) => {
    const toggle = event.target.closest("[data-sheet-toggle]");
    if (toggle) {
      const sheet = document.getElementById(toggle.getAttribute("aria-controls"));
      if (sheet) (sheet.classList.contains("is-open") ? closeSheet : openSheet)(sheet);
      return;
    }
    const backdrop = event.target.closest("[data-sheet-backdrop]");
    if (backdrop) {
      const sheet = backdrop.nextElementSibling;
      if (sheet?.matches("[data-sheet]")) closeSheet(sheet);
      return;
    }
    const close = event.target.closest("[data-sheet-close]");
    if (close) {
      const sheet = close.closest("[data-sheet]");
      // "Show results" also submits the form (filters apply as they change; this is the last word).
      if (sheet) window.setTimeout(() => closeSheet(sheet), 0);
    }
  });

  // Keep keyboard focus inside an open sheet.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const sheet = document.querySelector("[data-sheet].is-open");
    if (!sheet) return;
    const items = [...sheet.querySelectorAll(focusable)].filter((item) => item.offsetParent !== null);
    if (!items.length) return;
    const [first, last] = [items[0], items[items.length - 1]];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    } else if (!sheet.contains(document.activeElement)) {
      event.preventDefault();
      first.focus();
    }
  });

  // A desk-sized window has no sheet: leaving the phone layout closes it.
  phone.addEventListener("change", () => {
    if (!phone.matches) document.querySelectorAll("[data-sheet].is-open").forEach((sheet) => closeSheet(sheet, { returnFocus: false }));
  });

  // How many filters are set: on the "Filters" button, and whether "Clear filters" is offered.
  function countFilters(form) {
    return [...form.elements].filter((field) => {
      if (!field.name || field.type === "hidden" || field.type === "submit") return false;
      if (field.type === "checkbox") return field.checked;
      return field.value.trim() !== "";
    }).length;
  }

  function showFilterCount(form) {
    const sheet = form.closest("[data-sheet]");
    const count = countFilters(form);
    const badge = sheet && toggleFor(sheet)?.querySelector("[data-filter-count]");
    if (badge) {
      badge.textContent = String(count);
      badge.hidden = count === 0;
    }
    form.querySelectorAll("[data-filters-clear]").forEach((link) => {
      link.hidden = count === 0;
    });
  }

  function showAllFilterCounts() {
    document.querySelectorAll("form[data-filter-form]").forEach(showFilterCount);
  }

  document.addEventListener("change", (event) => {
    const form = event.target.closest?.("form[data-filter-form]");
    if (form) showFilterCount(form);
  });
  document.addEventListener("input", (event) => {
    const form = event.target.closest?.("form[data-filter-form]");
    if (form) showFilterCount(form);
  });
  // Back and forward restore the page from htmx's history: the form says what the URL says.
  document.addEventListener("htmx:historyRestore", () => window.setTimeout(showAllFilterCounts, 0));

  // Toasts: a close button for each message the server sent.
  function addCloseButtons() {
    const region = document.querySelector(".messages[data-close-label]");
    if (!region) return;
    region.querySelectorAll("[data-toast]:not([data-ready])").forEach((toast) => {
      toast.dataset.ready = "1";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "toast-close";
      button.setAttribute("aria-label", region.dataset.closeLabel);
      button.innerHTML = '<span class="icon icon-close" aria-hidden="true"></span>';
      button.addEventListener("click", () => toast.remove());
      toast.append(button);
    });
  }

  function start() {
    showAllFilterCounts();
    addCloseButtons();
  }

  window.incubatorUi = { openSheet, closeSheet };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
