// teis/templates/evidence/item_view.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
if (document.getElementById("player")) { window.teisPlayer = videojs("player", {language: "zh-CN"}); }
