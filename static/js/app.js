// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("submit", (event) => {
  // One click, one submission: a double click on submit must not create two proposals.
  const form = event.target;
  if (form.dataset.submitOnce === undefined) return;
  if (form.dataset.submitting) {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "1";
  form.querySelectorAll("button[type=submit]").forEach((button) => button.setAttribute("aria-disabled", "true"));
});
