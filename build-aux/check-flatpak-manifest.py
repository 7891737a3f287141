#!/usr/bin/python3
"""Check the Flatpak manifest names the app and builds it with meson.

Usage: check-flatpak-manifest.py MANIFEST.json
Exits 0 when the manifest is sound, 1 with one line per problem otherwise.
"""

import json
import sys

APP_ID = "org.example.Crm"
COMMAND = "crm"


def problems(manifest):
    if not isinstance(manifest, dict):
        yield "the manifest is not a JSON object"
        return
    app_id = manifest.get("app-id", manifest.get("id"))
    if app_id != APP_ID:
        yield f"app-id is {app_id!r}, expected {APP_ID!r}"
    if manifest.get("command") != COMMAND:
        yield f"command is {manifest.get('command')!r}, expected {COMMAND!r}"
    modules = manifest.get("modules")
    if not isinstance(modules, list) or not modules:
        yield "modules is missing or empty"
        return
    last = modules[-1]
    if not isinstance(last, dict):
        yield "the last module is a file reference, not the app's own module"
        return
    if last.get("buildsystem") != "meson":
        yield (f"the last module {last.get('name')!r} has buildsystem "
               f"{last.get('buildsystem')!r}, expected 'meson'")


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} MANIFEST.json", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{argv[1]}: {e}", file=sys.stderr)
        return 1
    found = list(problems(manifest))
    for p in found:
        print(f"{argv[1]}: {p}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
