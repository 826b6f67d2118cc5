// Small progressive enhancements; every page works without this file.
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
