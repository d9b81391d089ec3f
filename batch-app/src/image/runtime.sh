#!/usr/bin/env bash
# The controller image's base, made by the Maven build (batch-app, phase prepare-package) without a
# registry or a Docker daemon: a jlinked Java runtime of the JDK that builds, the shared libraries
# it links (from this machine's Debian packages, found with ldd), and the unprivileged user the
# controller runs as. Jib (jib:buildTar) puts the controller's classes and dependencies on top.
#
#   runtime.sh OUT_DIR          (uses JAVA_HOME, or the JDK of `javac` on PATH)
set -euo pipefail
out=$1
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
modules=java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.zipfs

stamp="$out.stamp"
want="$java_home $modules $(sha256sum "$0" | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$out/opt/java/bin/java" ]; then
  exit 0   # the same runtime is already there
fi
rm -rf "$out" "$stamp"
mkdir -p "$out/opt" "$out/etc" "$out/tmp" "$out/var/www"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$out/opt/java"

# Every library the launcher and the JVM's own libraries link, with the loader; not those of the
# graphics libraries java.desktop brings (java.beans is what is needed of it, headless).
for binary in "$out/opt/java/bin/java" "$out"/opt/java/lib/*.so "$out/opt/java/lib/server/libjvm.so"; do
  case "$(basename "$binary")" in *awt* | *font* | *splash* | *jsound* | *lcms* | *mlib* | *javajpeg*) continue ;; esac
  ldd "$binary" 2>/dev/null | grep -o '/[^ ]*' || true
done | sort -u | while read -r lib; do
  case "$lib" in "$out"/*) continue ;; esac
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done

# /tmp and /var/www are mount points: the chart and deploy/ mount volumes there (the root file system is read-only).
# The user and group the image runs as (uid/gid 10001), for tools that look them up.
printf 'root:x:0:0:root:/root:/sbin/nologin\nbatch:x:10001:10001:batch-job-controller:/nonexistent:/sbin/nologin\n' >"$out/etc/passwd"
printf 'root:x:0:\nbatch:x:10001:\n' >"$out/etc/group"
echo "$want" >"$stamp"
