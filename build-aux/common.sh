# shellcheck shell=bash
# Shared by run-tests and run-demo: source it, do not run it.
#
# Sourcing it moves to the top of the source tree, so every path below is
# relative to that.

CRM_SOURCE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$CRM_SOURCE_ROOT" || return 1

# crm_install_deps: make sure the packages the build and tests need are there.
crm_install_deps() {
  "$CRM_SOURCE_ROOT/build-aux/install-deps"
}

# crm_build BUILD_DIR [MESON_OPTION...]: configure BUILD_DIR (reconfigure it
# if it already exists, wipe it only if that fails) and compile it.
# Returns non-zero if configuring or compiling fails.
crm_build() {
  local build_dir=$1
  shift

  if [[ -f "$build_dir/meson-private/coredata.dat" ]]; then
    if ! meson setup --reconfigure "$build_dir" "$@"; then
      echo "common.sh: reconfiguring $build_dir failed, wiping it" >&2
      meson setup --wipe "$build_dir" "$@" || return 1
    fi
  else
    meson setup "$build_dir" "$@" || return 1
  fi

  meson compile -C "$build_dir" || return 1
}

# crm_build_default: the build that run-tests tests and run-demo runs.
crm_build_default() {
  crm_build _build -Dwerror=true
}
