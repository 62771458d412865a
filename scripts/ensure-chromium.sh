#!/usr/bin/env bash
# Make sure Debian's headless Chromium is present for the browser tests.
# Installs it with apt-get when running as root; otherwise says how, and the tests skip
# (or fail, when CI is set).
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the browser tests (apt-get) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null \
    && exit 0
  echo "warning: could not install chromium; browser tests will skip" >&2
else
  echo "note: /usr/bin/chromium not found; browser tests will skip. Install it with: sudo apt-get install chromium" >&2
fi
exit 0
