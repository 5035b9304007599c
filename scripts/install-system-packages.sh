#!/usr/bin/env bash
# Debian packages the stack needs: Kivy's runtime libraries (mtdev, GL, EGL for the offscreen
# window), the MQTT command-line clients, Chromium for the end-to-end web tests, and wrk (the
# benchmarks' compiled load generator).
# Installs only what is missing, so a set-up machine pays nothing.
set -euo pipefail

PACKAGES=(libmtdev1 libgl1 libegl1 libgles2 xvfb xauth mosquitto-clients chromium wrk)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
