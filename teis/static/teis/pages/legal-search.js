// teis/templates/legal/search.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
document.getElementById("id_q").addEventListener("keydown", function (e) {
  if (e.key === "Escape" || e.key === "Enter") document.getElementById("suggestions").innerHTML = "";
});
document.addEventListener("click", function (e) {
  const item = e.target.closest("#suggestions [data-suggest]");
  if (item) {
    e.preventDefault();
    const q = document.getElementById("id_q");
    q.value = item.dataset.suggest;
    document.getElementById("suggestions").innerHTML = "";
    document.getElementById("search-form").submit();
  } else if (!e.target.closest("#suggestions")) {
    document.getElementById("suggestions").innerHTML = "";
  }
});
