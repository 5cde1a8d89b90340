#!/bin/sh
# meson install step: put the example configuration in place (rampart.conf,
# rules.conf) only where there is none, so a reinstall never overwrites an
# operator's files.
set -e
dir="${DESTDIR:-}$1"
for f in rampart.conf rules.conf; do
	[ -e "$dir/$f" ] || cp "$dir/$f.example" "$dir/$f"
done
