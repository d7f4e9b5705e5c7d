#!/usr/bin/env bash
# Debian packages TEIS needs beside Python: a CJK font (PDFs, charts), ffmpeg (evidence proxies),
# poppler-utils (PDF checks), Chromium (browser tests). Installed when missing and running as root.
set -euo pipefail
need=()
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "缺少 Debian 软件包：${need[*]}。请以 root 运行：apt-get install -y ${need[*]}" >&2
  echo "（未安装时 PDF 中文字体、视频转码或浏览器测试不可用）" >&2
  exit 0
fi
echo "==> 安装 Debian 软件包：${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
