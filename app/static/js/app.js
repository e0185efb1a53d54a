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
