#!/usr/bin/env bash
# Builds the Debian package of dvmc from a built tree (`make package` builds the shim and the jars first):
# OUT/dvmc_<version>_amd64.deb, OUT being the first argument or target/. Layout in the package:
#   /opt/dvmc            the launcher (bin/dvmc), jars and their libraries, the shim, jvm.options, README and docs,
#                        in the tree's own layout, which bin/dvmc expects
#   /usr/bin/dvmc        a link to the launcher
#   /lib/systemd/system  dvmc-dataplane, dvmc-agent, dvmc-service (deploy/systemd), none enabled at install
#   /usr/lib/sysusers.d  the dvmc system user, created by postinst
#   /usr/lib/sysctl.d    the socket buffers dvmc asks for (deploy/sysctl)
#   /usr/share/doc/dvmc  example host.json and policy.json
# Runtime dependencies only: the DPDK libraries and drivers, systemd; a JDK 25 is recommended (temurin-25-jdk),
# since a JDK may be installed without dpkg. Built with dpkg-deb --root-owner-group: no fakeroot needed.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=$(mkdir -p "${1:-$top/target}" && cd "${1:-$top/target}" && pwd)

pom_version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$top/pom.xml" | head -n 1)
# 0.1.0-SNAPSHOT sorts before 0.1.0 as 0.1.0~SNAPSHOT.
version=${pom_version//-/\~}

jar_of() {
  local jar
  jar=$(ls "$top/$1"/target/dvmc-"$1"-*.jar 2>/dev/null | grep -v -e '-tests.jar' -e '-sources.jar' | head -n 1 || true)
  [ -n "$jar" ] && [ -d "$top/$1/target/lib" ] ||
    { echo "dvmc package: $1 is not built (its jar and target/lib); run 'make' first" >&2; exit 1; }
  echo "$jar"
}
shim=$top/native/build/libdvmcshim.so
[ -f "$shim" ] || { echo "dvmc package: $shim is not built; run 'make native' first" >&2; exit 1; }
control_jar=$(jar_of control)
dataplane_jar=$(jar_of dataplane)

work=$(mktemp -d /tmp/dvmc-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
opt=$root/opt/dvmc

install -d "$opt/bin" "$opt/deploy" "$opt/native/build" "$opt/control/target/lib" "$opt/dataplane/target/lib" \
  "$opt/docs" "$root/usr/bin" "$root/lib/systemd/system" "$root/usr/lib/sysusers.d" "$root/usr/lib/sysctl.d" \
  "$root/usr/share/doc/dvmc/examples" "$root/DEBIAN"
install -m 0755 "$top/bin/dvmc" "$opt/bin/dvmc"
install -m 0644 "$top/deploy/jvm.options" "$top/deploy/cli.options" "$opt/deploy/"
install -m 0644 "$shim" "$opt/native/build/libdvmcshim.so"
install -m 0644 "$control_jar" "$opt/control/target/"
install -m 0644 "$top"/control/target/lib/*.jar "$opt/control/target/lib/"
install -m 0644 "$dataplane_jar" "$opt/dataplane/target/"
install -m 0644 "$top"/dataplane/target/lib/*.jar "$opt/dataplane/target/lib/"
# The AOT caches `make` trained (deploy/aot-train.sh), after the jars: bin/dvmc uses a cache only while it is newer
# than every jar, and /opt is read-only to the units, so a host cannot write its own.
for cache in "$top"/control/target/dvmc-*.aot "$top"/dataplane/target/dvmc-*.aot; do
  [ -e "$cache" ] && install -m 0644 "$cache" "$opt/${cache#"$top"/}"
done
install -m 0644 "$top/README.md" "$opt/README.md"
install -m 0644 "$top"/docs/*.md "$opt/docs/"
ln -s /opt/dvmc/bin/dvmc "$root/usr/bin/dvmc"
install -m 0644 "$top"/deploy/systemd/*.service "$root/lib/systemd/system/"
install -m 0644 "$top/deploy/debian/sysusers.conf" "$root/usr/lib/sysusers.d/dvmc.conf"
install -m 0644 "$top/deploy/sysctl/60-dvmc.conf" "$root/usr/lib/sysctl.d/60-dvmc.conf"
install -m 0644 "$top"/deploy/examples/*.json "$root/usr/share/doc/dvmc/examples/"
for script in postinst prerm postrm; do
  install -m 0755 "$top/deploy/debian/$script" "$root/DEBIAN/$script"
done

# The shim's library dependencies as Debian packages (dpkg-shlibdeps wants a debian/control to read).
mkdir -p "$work/src/debian"
printf 'Source: dvmc\n\nPackage: dvmc\nArchitecture: amd64\n' > "$work/src/debian/control"
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O -e"$opt/native/build/libdvmcshim.so" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "dvmc package: dpkg-shlibdeps found no dependency of the shim" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SHLIBS@/$shlibs/" -e "s/@SIZE@/$size/" \
  "$top/deploy/debian/control.in" > "$root/DEBIAN/control"

deb=$out/dvmc_${version}_amd64.deb
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" > /dev/null
echo "$deb"
