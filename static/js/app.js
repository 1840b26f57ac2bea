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
