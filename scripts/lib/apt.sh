# Sourced by the set-up scripts: installs, with apt, those of the given Debian packages that are
# not installed yet. Usage: install_missing_packages WHO PACKAGE...
install_missing_packages() {
  local who=$1 pkg missing=()
  shift
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "$who: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Installs packages at least as new as given, from bookworm-backports on Debian 12 (whose own
# are too old). Usage: install_newer_packages WHO PACKAGE=MIN_VERSION...
install_newer_packages() {
  local who=$1 spec pkg min installed missing=()
  shift
  for spec in "$@"; do
    pkg=${spec%%=*} min=${spec#*=}
    installed=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
    [ -n "$installed" ] && dpkg --compare-versions "$installed" ge "$min" || missing+=("$pkg")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  local release=()
  if grep -q '^VERSION_CODENAME=bookworm$' /etc/os-release; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list
    release=(-t bookworm-backports)
  fi
  echo "$who: installing ${missing[*]} ${release[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${release[@]}" "${missing[@]}" >/dev/null
}
