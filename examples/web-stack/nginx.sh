#!/bin/sh
# Renders nginx.conf.template into the prefix folder NGINX_PREFIX, then
# replaces itself with nginx in the foreground, so Tend supervises nginx's
# master process directly. Nothing under /etc/nginx is read or changed.
set -eu
: "${NGINX_PREFIX:?set NGINX_PREFIX to a folder for nginx's config, pid and temp files}"
: "${NGINX_PORT:?set NGINX_PORT}"
: "${APP_PORT:?set APP_PORT}"
mkdir -p "$NGINX_PREFIX/temp"
NGINX_PREFIX=$(cd "$NGINX_PREFIX" && pwd)
sed -e "s/@NGINX_PORT@/$NGINX_PORT/g" -e "s/@APP_PORT@/$APP_PORT/g" \
    nginx.conf.template > "$NGINX_PREFIX/nginx.conf"
exec nginx -e stderr -p "$NGINX_PREFIX" -c nginx.conf -g 'daemon off;'
