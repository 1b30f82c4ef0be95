#!/bin/sh
# Renders the tray icons (one per aggregate state) and the app icon with
# ImageMagick. Each state differs by shape as well as colour, and the symbols
# are cut out (transparent), so the alpha masks differ even at 16 px:
#   healthy   green filled circle with a check cut out
#   degraded  amber triangle with "!" cut out
#   failed    red octagon with a cross cut out
#   idle      grey hollow ring
# Usage: icons/render.sh   (writes icons/tray-*-SIZE.png and src-tauri/icons/icon.png)
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
canvas="-size 256x256 xc:none"

# shellcheck disable=SC2086
convert $canvas -fill '#2e9d5b' -draw 'circle 128,128 128,10' \
    \( $canvas -fill none -stroke black -strokewidth 34 \
       -draw 'stroke-linecap round stroke-linejoin round polyline 68,134 110,176 190,86' \) \
    -compose DstOut -composite "$work/tray-healthy.png"

# shellcheck disable=SC2086
convert $canvas -fill '#e8a200' -draw 'polygon 128,8 250,236 6,236' \
    \( $canvas -fill black -draw 'roundrectangle 112,70 144,168 10,10' \
       -draw 'circle 128,202 128,184' \) \
    -compose DstOut -composite "$work/tray-degraded.png"

# shellcheck disable=SC2086
convert $canvas -fill '#d93025' \
    -draw 'polygon 79,10 177,10 246,79 246,177 177,246 79,246 10,177 10,79' \
    \( $canvas -fill none -stroke black -strokewidth 36 \
       -draw 'stroke-linecap round line 82,82 174,174' -draw 'stroke-linecap round line 174,82 82,174' \) \
    -compose DstOut -composite "$work/tray-failed.png"

# shellcheck disable=SC2086
convert $canvas -fill none -stroke '#8a8f98' -strokewidth 40 \
    -draw 'circle 128,128 128,28' "$work/tray-idle.png"

for state in healthy degraded failed idle; do
    for size in 16 22 24 32 64; do
        convert "$work/tray-$state.png" -filter Lanczos -resize "${size}x${size}" \
            -define png:exclude-chunks=date,time PNG32:"tray-$state-$size.png"
    done
done

# The app icon: the healthy mark on a rounded blue square.
# shellcheck disable=SC2086
convert $canvas -fill '#1f5fbf' -draw 'roundrectangle 8,8 248,248 48,48' \
    \( "$work/tray-healthy.png" -resize 176x176 -channel RGB -fill white -colorize 100 +channel \) \
    -gravity center -compose Over -composite -resize 128x128 \
    -define png:exclude-chunks=date,time PNG32:../src-tauri/icons/icon.png
