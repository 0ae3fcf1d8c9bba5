// A "Print" button (class print-button) prints the page; without script the browser's own print still works.
document.addEventListener("click", function (event) {
  if (event.target.closest(".print-button")) { window.print(); }
});
