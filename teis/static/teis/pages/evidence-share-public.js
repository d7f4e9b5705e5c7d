// teis/templates/evidence/share_public.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
document.querySelectorAll("video.video-js").forEach(v => videojs(v.id));
