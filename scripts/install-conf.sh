#!/bin/sh
# meson install step: put the example configuration in place as rampart.conf
# only when there is none, so a reinstall never overwrites an operator's file.
set -e
dir="${DESTDIR:-}$1"
[ -e "$dir/rampart.conf" ] || cp "$dir/rampart.conf.example" "$dir/rampart.conf"
