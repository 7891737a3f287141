#!/usr/bin/python3
# screenshots.py: a PNG of each view of the built crm, to look at
#
# Starts a real crm-server --demo, signs riley in, starts crm and saves,
# under the folder given as the first argument:
#   pipeline.png, contacts.png, quotes.png, forecast.png  every view
#   deal.png                                             a deal's page
#   new-contact.png                                      the New form
#   pipeline-narrow.png                                  a 360 px window
# Runs inside build-aux/test-session (display, session bus, keyring,
# accessibility bus); $CRM_SERVER, $CRM_CLI and $CRM_APP name the programs
# (the app may also come as the second argument). Needs `import` from
# imagemagick.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import pyatspi
except ImportError:
    print("1..0 # SKIP pyatspi is not installed (python3-pyatspi)")
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crmdesk import (Server, application, click, do_action, fail, find, frame, log,  # noqa: E402
                     sign_in, start_app, stop_app, test_name, wait_for, walk)

test_name["name"] = "/e2e/screenshots"

# Long enough for the view to settle after a switch
SETTLE_SECONDS = 1.5


def shoot(folder, name):
    path = os.path.join(folder, name + ".png")
    time.sleep(SETTLE_SECONDS)
    subprocess.run(["import", "-window", "root", path], check=True)
    if os.path.getsize(path) < 10000:
        fail("%s is suspiciously small: is anything drawn?" % path)
    log("saved " + path)


def narrow_settings(root):
    """A settings keyfile that opens the window 360 px wide"""
    folder = os.path.join(root, "config", "glib-2.0", "settings")
    os.makedirs(folder)
    with open(os.path.join(folder, "keyfile"), "w") as keyfile:
        keyfile.write("[org/example/Crm]\nwindow-width=360\nwindow-height=720\n")
    return dict(os.environ, GSETTINGS_BACKEND="keyfile", XDG_CONFIG_HOME=os.path.join(root, "config"))


def buttons(window):
    for node in walk(window):
        try:
            if node.getRoleName() == "push button":
                yield node
        except Exception:
            continue


def main():
    if len(sys.argv) < 2:
        fail("give the folder for the screenshots")
    folder = sys.argv[1]
    if len(sys.argv) > 2:
        os.environ["CRM_APP"] = sys.argv[2]
    if not os.environ.get("DISPLAY"):
        print("1..0 # SKIP no display (run it in build-aux/test-session)")
        return
    if shutil.which("import") is None:
        print("1..0 # SKIP no import program (imagemagick)")
        return
    print("1..1", flush=True)
    os.makedirs(folder, exist_ok=True)
    root = tempfile.mkdtemp(prefix="crm-shots-")
    server = app_process = None
    try:
        server = Server(os.environ["CRM_SERVER"], os.path.join(root, "server"))
        data_dir = os.path.join(root, "data")
        sign_in(data_dir, "shots", server.url, "riley")

        app_process = start_app(data_dir, "shots")
        app = wait_for("the crm application", lambda: application("crm"))
        window = wait_for("the main window", lambda: frame(app, "Crm"))
        for view in ("Pipeline", "Contacts", "Quotes", "Forecast"):
            click(wait_for("the %s view" % view, lambda v=view: find(window, "page tab", v)))
            shoot(folder, view.lower())

        click(find(window, "page tab", "Pipeline"))
        # A card is a button named "deal, account, amount"
        card = wait_for("a deal's card", lambda: next(
            (node for node in buttons(window) if node.name.count(", ") >= 2), None))
        click(card)
        wait_for("the deal's window", lambda: len([w for w in app if w is not None]) > 1)
        shoot(folder, "deal")
        for window_node in list(app):
            if window_node is not None and window_node.name not in ("Crm",):
                do_action(window_node, "window.close")

        click(find(window, "page tab", "Contacts"))
        wait_for("the Contacts view", lambda: any(
            node.getRoleName() == "page tab" and node.name == "Contacts" and
            node.getState().contains(pyatspi.STATE_SELECTED) for node in walk(window)))
        do_action(window, "win.new-record")
        wait_for("the New Contact form", lambda: frame(app, "New Contact"))
        shoot(folder, "new-contact")
        stop_app(app_process)

        app_process = start_app(data_dir, "shots", narrow_settings(root))
        app = wait_for("the narrow window", lambda: application("crm") and frame(application("crm"), "Crm"))
        shoot(folder, "pipeline-narrow")
        print("ok 1 /e2e/screenshots", flush=True)
    finally:
        if app_process:
            stop_app(app_process)
        if server:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
