# Sourced by tests/package/check_*.sh.
# pkg_of PATH: the package that holds PATH, under the name dpkg knows it by
# (with merged /usr, a file may be recorded with or without /usr).
pkg_of() {
  local p candidates=("$1" "$(readlink -f "$1")")
  for p in "${candidates[@]}"; do
    case $p in
    /usr/lib/* | /usr/bin/* | /usr/sbin/* | /usr/include/*) candidates+=("${p#/usr}") ;;
    /lib/* | /bin/* | /sbin/*) candidates+=("/usr$p") ;;
    esac
  done
  for p in "${candidates[@]}"; do
    dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1 && return 0
  done
  return 1
}
