#!/bin/sh
# Flaky worker: works for 20 to 40 seconds, then crashes with exit code 3.
# Tend restarts it, so failure and recovery notices alternate.
lifetime=$(( 20 + $(od -An -N1 -tu1 /dev/urandom) % 21 ))
echo "flaky-worker: up, will crash in ${lifetime}s"
i=0
while [ "$i" -lt "$lifetime" ]; do
    sleep 1
    i=$((i + 1))
done
echo "flaky-worker: lost the connection to the queue" >&2
exit 3
