// The kanban board: drag and drop (SortableJS), the "move to…" menu, the note dialog and a cheap
// conditional poll. The server always answers with the board's truth; this file only asks and shows.
(() => {
  "use strict";
  if (window.incubatorBoard) return;

  const state = { dragging: false, busy: false, stage: null };
  const phone = window.matchMedia("(max-width: 40rem), (pointer: coarse)");
  const board = () => document.getElementById("board");
  const columns = () => document.getElementById("board-columns");
  const dialog = () => document.getElementById("board-note-dialog");

  function announce(message, ok = true) {
    const region = document.getElementById("board-status");
    if (!region) return;
    region.classList.toggle("is-refused", !ok);
    // Clear first so that the same message twice is announced twice.
    region.textContent = "";
    window.requestAnimationFrame(() => {
      region.textContent = message;
    });
  }

  // Columns opened with "show more" stay open when the board is refreshed: "idea:40,done:60".
  function shownCards() {
    return [...(columns()?.querySelectorAll(".board-cards") || [])]
      .map((list) => [list.dataset.status, list.querySelectorAll(".board-card").length])
      .filter(([, count]) => count > Number(board().dataset.pageSize))
      .map(([status, count]) => `${status}:${count}`)
      .join(",");
  }

  function withShown(url) {
    const shown = shownCards();
    if (!shown) return url;
    const target = new URL(url, window.location.href);
    target.searchParams.set("shown", shown);
    return target.pathname + target.search;
  }

  function swapColumns(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    const left = grid()?.scrollLeft || 0;
    columns().replaceWith(fresh);
    htmx.process(fresh);
    initSortables();
    if (grid()) grid().scrollLeft = left;
    markStage(state.stage);
  }

  // Stage tabs (on a phone): a tab shows its column; swiping to a column marks its tab.
  const grid = () => columns()?.querySelector("[data-board-grid]");
  const columnOf = (status) => grid()?.querySelector(`.board-column[data-status="${status}"]`);

  function markStage(status) {
    const tabs = columns()?.querySelector("[data-stage-tabs]");
    if (!tabs) return;
    const known = columnOf(status) ? status : tabs.querySelector("[data-stage]")?.dataset.stage;
    state.stage = known;
    tabs.querySelectorAll("[data-stage]").forEach((tab) => {
      if (tab.dataset.stage === known) {
        tab.setAttribute("aria-current", "true");
        tabs.scrollLeft = tab.offsetLeft - (tabs.clientWidth - tab.offsetWidth) / 2;
      } else {
        tab.removeAttribute("aria-current");
      }
    });
  }

  function showStage(status, smooth) {
    const column = columnOf(status);
    if (!column) return;
    markStage(status);
    const container = grid();
    const offset = column.getBoundingClientRect().left - container.getBoundingClientRect().left;
    const padding = parseFloat(getComputedStyle(container).paddingLeft) || 0;
    container.scrollTo({ left: container.scrollLeft + offset - padding, behavior: smooth ? "smooth" : "auto" });
    // Deep in a long column, a short one would leave an empty screen: back to the columns' top.
    const tabs = columns().querySelector("[data-stage-tabs]");
    const top = container.getBoundingClientRect().top - (tabs?.offsetHeight || 0);
    if (top < 0) window.scrollBy({ top, behavior: smooth ? "smooth" : "auto" });
  }

  function stageInView() {
    const container = grid();
    if (!container) return null;
    const left = container.getBoundingClientRect().left + (parseFloat(getComputedStyle(container).paddingLeft) || 0);
    let nearest = null;
    let distance = Infinity;
    container.querySelectorAll(".board-column").forEach((column) => {
      const gap = Math.abs(column.getBoundingClientRect().left - left);
      if (gap < distance) [nearest, distance] = [column.dataset.status, gap];
    });
    return nearest;
  }

  document.addEventListener("click", (event) => {
    const tab = event.target.closest("[data-stage-tabs] [data-stage]");
    if (!tab) return;
    event.preventDefault();
    showStage(tab.dataset.stage, true);
  });

  let scrollFrame = 0;
  document.addEventListener(
    "scroll",
    (event) => {
      if (!event.target.matches?.("[data-board-grid]") || scrollFrame) return;
      scrollFrame = window.requestAnimationFrame(() => {
        scrollFrame = 0;
        const status = stageInView();
        if (status && status !== state.stage) markStage(status);
      });
    },
    true,
  );

  function focusAfterMove(cardId, status) {
    const card = document.getElementById(cardId);
    const target = card?.querySelector(".move-menu summary") || card?.querySelector("a");
    const fallback = document.getElementById(`column-${status}`);
    (target || fallback)?.focus();
  }

  // Highlight only the columns this person may move the card to.
  function highlightTargets(card) {
    const allowed = (card.dataset.targets || "").split(" ");
    columns()
      .querySelectorAll(".board-column")
      .forEach((column) => {
        const status = column.dataset.status;
        if (status === card.dataset.status) return;
        column.classList.add(allowed.includes(status) ? "is-drop-target" : "is-not-target");
      });
  }

  function clearHighlights() {
    columns()
      ?.querySelectorAll(".is-drop-target, .is-not-target")
      .forEach((column) => column.classList.remove("is-drop-target", "is-not-target"));
  }

  function askForNote(card, to) {
    const label = card.dataset[`note${to.charAt(0).toUpperCase()}${to.slice(1)}`];
    if (!label) return Promise.resolve("");
    const modal = dialog();
    const title = card.querySelector(".card-title")?.textContent.trim() || "";
    const action = card.dataset[`label${to.charAt(0).toUpperCase()}${to.slice(1)}`] || "";
    // The action is the title and the proposal its subtitle: no "action: title" punctuation to
    // get wrong in Japanese.
    modal.querySelector("#board-note-title").textContent = action;
    modal.querySelector("#board-note-proposal").textContent = title;
    modal.querySelector("#board-note-label").textContent = label;
    const note = modal.querySelector("#board-note");
    note.value = "";
    return new Promise((resolve) => {
      const form = modal.querySelector("form");
      const finish = (value) => {
        form.removeEventListener("submit", onSubmit);
        modal.removeEventListener("close", onClose);
        cancel.removeEventListener("click", onCancel);
        resolve(value);
      };
      const onSubmit = (event) => {
        event.preventDefault();
        if (!note.value.trim()) {
          note.focus();
          return;
        }
        const value = note.value.trim();
        finish(value);
        modal.close();
      };
      const onClose = () => finish(null);
      const cancel = modal.querySelector("[data-dialog-cancel]");
      const onCancel = () => modal.close();
      form.addEventListener("submit", onSubmit);
      modal.addEventListener("close", onClose);
      cancel.addEventListener("click", onCancel);
      modal.showModal();
      note.focus();
    });
  }

  async function move(card, to, revert) {
    const form = card.querySelector(".move-form");
    if (!form || state.busy) {
      revert();
      return;
    }
    const note = await askForNote(card, to);
    if (note === null) {
      revert();
      announce(board().dataset.msgCancelled, true);
      focusAfterMove(card.id, card.dataset.status);
      return;
    }
    const body = new FormData(form);
    body.set("shown", shownCards());
    body.set("to", to);
    body.set("note", note);
    state.busy = true;
    card.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const result = await response.json();
      swapColumns(result.columns_html);
      announce(result.message, result.ok);
      focusAfterMove(result.card, result.ok ? to : card.dataset.status);
    } catch {
      revert();
      card.removeAttribute("aria-busy");
      announce(board().dataset.msgFailed, false);
    } finally {
      state.busy = false;
    }
  }

  function initSortables() {
    const container = columns();
    if (!container || typeof Sortable === "undefined") return;
    container.querySelectorAll(".board-cards").forEach((list) => {
      if (Sortable.get(list)) return;
      Sortable.create(list, {
        group: "board",
        sort: false,
        draggable: '.board-card[data-movable="true"]',
        filter: ".move-menu",
        preventOnFilter: false,
        forceFallback: true,
        fallbackTolerance: 4,
        animation: 150,
        disabled: phone.matches,
        ghostClass: "card-ghost",
        chosenClass: "card-chosen",
        onStart(event) {
          state.dragging = true;
          highlightTargets(event.item);
        },
        onEnd(event) {
          state.dragging = false;
          clearHighlights();
          if (event.to === event.from) return;
          const from = event.from;
          const index = event.oldIndex;
          const revert = () => from.insertBefore(event.item, from.children[index] || null);
          move(event.item, event.to.dataset.status, revert);
        },
      });
    });
  }

  phone.addEventListener("change", () => {
    document.querySelectorAll(".board-cards").forEach((list) => {
      Sortable.get(list)?.option("disabled", phone.matches);
    });
  });

  // The keyboard (and phone) way: the "move to…" menu lists exactly the allowed moves.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-move-to]");
    if (!button || !board()) return;
    event.preventDefault();
    const card = button.closest(".board-card");
    button.closest("details")?.removeAttribute("open");
    move(card, button.dataset.moveTo, () => {});
  });

  // The answer of the last move floats over the board until a click elsewhere.
  document.addEventListener("click", (event) => {
    const region = document.getElementById("board-status");
    if (region?.textContent && !region.parentElement.contains(event.target)) region.textContent = "";
  });

  // A menu left open would also hold back the poll: a click elsewhere closes it.
  document.addEventListener("click", (event) => {
    document.querySelectorAll(".move-menu[open]").forEach((menu) => {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const menu = event.target.closest?.(".move-menu[open]");
    if (!menu) return;
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  });

  // Filters live in the URL; after back/forward make the form say what the URL says.
  function syncFiltersFromUrl() {
    const form = document.getElementById("board-filters");
    if (!form) return;
    const params = new URLSearchParams(window.location.search);
    form.querySelectorAll("input, select").forEach((field) => {
      if (field.type === "checkbox") field.checked = params.get(field.name) === "1";
      else field.value = params.get(field.name) || "";
    });
  }

  // Staying current: ask with the last ETag; the server answers 304 when nothing changed.
  async function poll() {
    const current = columns();
    const busy =
      state.dragging ||
      state.busy ||
      document.hidden ||
      dialog()?.open ||
      document.querySelector(".move-menu[open]") ||
      document.querySelector(".htmx-request");
    if (!current || busy) return;
    try {
      const response = await fetch(withShown(window.location.pathname + window.location.search), {
        headers: { "HX-Request": "true", "If-None-Match": `"${current.dataset.etag}"` },
        cache: "no-store",
        credentials: "same-origin",
      });
      if (response.status !== 200 || state.dragging || state.busy || dialog()?.open) return;
      const html = await response.text();
      const focusedId = document.activeElement?.closest(".board-card")?.id;
      const focusedMenu = document.activeElement?.matches(".move-menu summary");
      swapColumns(html);
      if (focusedId) {
        const card = document.getElementById(focusedId);
        (focusedMenu ? card?.querySelector(".move-menu summary") : card?.querySelector("a"))?.focus();
      }
    } catch {
      // Offline for a moment: the next poll tries again.
    }
  }

  function start() {
    if (!board()) return;
    initSortables();
    const named = window.location.hash.match(/^#column-(\w+)$/);
    if (named && columnOf(named[1])) showStage(named[1], false);
    else markStage(state.stage);
    const seconds = Number(board().dataset.pollSeconds) || 15;
    window.setInterval(poll, seconds * 1000);
  }

  document.addEventListener("htmx:load", (event) => {
    initSortables();
    if (event.target.id === "board-columns" && state.stage) showStage(state.stage, false);
  });
  document.addEventListener("htmx:historyRestore", () => {
    syncFiltersFromUrl();
    initSortables();
    poll();
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    // "Show more": move focus to the first new card so keyboard users continue from there.
    const trigger = event.detail.requestConfig?.elt;
    if (!trigger?.classList.contains("board-more-button")) return;
    const list = event.detail.target;
    const offset = Number(new URL(trigger.getAttribute("hx-get"), window.location.href).searchParams.get("offset"));
    list.children[offset]?.querySelector("a")?.focus();
  });

  window.incubatorBoard = { poll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
