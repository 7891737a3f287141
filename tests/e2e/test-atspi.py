#!/usr/bin/python3
# test-atspi.py: the built crm, driven through the accessibility tree like a
# person, against a real crm-server --demo
#
# It signs riley in with crm-cli, starts crm on that profile with
# GTK_A11Y=atspi, finds the four views by their names, opens a deal through
# its card on the board and moves it to the next stage with the button that
# is the keyboard's way of dragging the card, creates a contact with the New
# form, and then checks on the server that both changes arrived.
#
# Runs inside build-aux/test-session (display, session bus, keyring and the
# accessibility bus). $CRM_SERVER and $CRM_CLI name the programs, the first
# argument (or $CRM_APP) the app.
# It needs /usr/bin/python3 with pyatspi (Debian's python3-pyatspi).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import sys
import tempfile

try:
    import pyatspi
except ImportError:
    print("1..0 # SKIP pyatspi is not installed (python3-pyatspi)")
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crmdesk import (Server, application, click, current, do_action, fail, find, frame,  # noqa: E402
                     log, set_text, sign_in, start_app, stop_app, test_name, wait_for, walk)

test_name["name"] = "/e2e/atspi"

# The test --------------------------------------------------------------

def main():
    if len(sys.argv) > 1:
        os.environ["CRM_APP"] = sys.argv[1]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print("1..0 # SKIP no display (run it in build-aux/test-session)")
        return
    for variable in ("CRM_SERVER", "CRM_CLI", "CRM_APP"):
        if not os.environ.get(variable):
            fail(variable + " must name the program to test")
    print("1..1", flush=True)
    root = tempfile.mkdtemp(prefix="crm-e2e-")
    server = app_process = None
    try:
        server = Server(os.environ["CRM_SERVER"], os.path.join(root, "server"))
        token = server.login("riley")
        stages = sorted(server.items(token, "stages"), key=lambda s: s["position"])
        open_stages = [s for s in stages if not s.get("is_lost")]

        # A deal of riley's with a stage after it that is not a lost one
        deal = next_stage = None
        for candidate in server.items(token, "opportunities"):
            ids = [s["id"] for s in open_stages]
            if candidate["stage_id"] in ids[:-1] and not candidate["deleted"]:
                deal = candidate
                next_stage = open_stages[ids.index(candidate["stage_id"]) + 1]
                break
        if deal is None:
            fail("riley has no deal that can move on")
        log("moving “%s” to %s" % (deal["name"], next_stage["name"]))

        data_dir = os.path.join(root, "data")
        sign_in(data_dir, "e2e", server.url, "riley")
        app_process = start_app(data_dir, "e2e")

        app = wait_for("the crm application on the accessibility bus", lambda: application("crm"))
        window = wait_for("the main window", lambda: frame(app, "Crm"))

        # The four views, by their names
        tabs = {}
        for view in ("Pipeline", "Contacts", "Quotes", "Forecast"):
            tabs[view] = wait_for("the %s view" % view, lambda v=view: find(window, "page tab", v))
        click(tabs["Pipeline"])

        # Find the deal with the board's filter, open its card, and move it on
        current["root"] = window
        board_filter = wait_for("the board's filter", lambda: find(window, "entry", "Filter deals by name or account"))
        set_text(board_filter, deal["name"])
        card = wait_for("the deal's card", lambda: find(window, "push button", prefix=deal["name"] + ","))
        click(card)
        current["root"] = app
        record = wait_for("the deal's window", lambda: frame(app, deal["name"]))
        current["root"] = record
        move = wait_for("the Move to %s button" % next_stage["name"],
                        lambda: find(record, "push button", "Move to " + next_stage["name"]))
        click(move)

        # A new contact, from the Contacts view
        last_name = "Atspi %d" % os.getpid()
        click(find(window, "page tab", "Contacts"))
        wait_for("the Contacts view", lambda: any(
            node.getRoleName() == "page tab" and node.name == "Contacts" and
            node.getState().contains(pyatspi.STATE_SELECTED) for node in walk(window)))
        do_action(window, "win.new-record")
        current["root"] = app
        form = wait_for("the New Contact form", lambda: frame(app, "New Contact"))
        current["root"] = form
        set_text(wait_for("First name", lambda: find(form, "text", prefix="First name")), "Ada")
        set_text(wait_for("Last name", lambda: find(form, "text", prefix="Last name")), last_name)
        click(wait_for("the Save button", lambda: find(form, "push button", "Save")))

        # Both arrive on the server (the app sends edits shortly after they are made)
        def arrived():
            moved = server.request("GET", "/api/v1/opportunities/" + deal["id"], token)
            contacts = [c for c in server.items(token, "contacts") if c.get("last_name") == last_name]
            return moved["stage_id"] == next_stage["id"] and len(contacts) == 1
        wait_for("both changes on the server", arrived, timeout=90)
        print("ok 1 /e2e/atspi", flush=True)
    finally:
        if app_process:
            stop_app(app_process)
        if server:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
