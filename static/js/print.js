// A print button without inline script (the Content-Security-Policy forbids those).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
