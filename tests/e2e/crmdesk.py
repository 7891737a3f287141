# crmdesk.py: what the desktop tests share — a crm-server --demo to run,
# a profile signed in with crm-cli, the app started on it, and ways to
# find and work its widgets through the accessibility tree (pyatspi)
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import subprocess
import time
import urllib.request

import pyatspi

TIMEOUT = 60


def log(message):
    print("# " + message, flush=True)


# What the test looks at now, shown when it fails
current = {"root": None}


def dump(node, depth=0):
    try:
        print("# " + "  " * depth + "%s '%s'" % (node.getRoleName(), node.name), flush=True)
        for child in node:
            if child is not None and depth < 40:
                dump(child, depth + 1)
    except Exception:
        pass


# The TAP line a failure prints; each script sets its own
test_name = {"name": "/e2e"}


def fail(message):
    if current["root"] is not None:
        dump(current["root"])
    print("not ok 1 %s # %s" % (test_name["name"], message), flush=True)
    raise SystemExit(1)


def wait_for(what, find, timeout=TIMEOUT):
    end = time.time() + timeout
    while time.time() < end:
        try:
            found = find()
        except Exception:  # the tree changes under our feet while we walk it
            found = None
        if found:
            return found
        time.sleep(0.2)
    fail("timed out waiting for " + what)


# The server's side ----------------------------------------------------

class Server:
    def __init__(self, program, data_dir):
        self.process = subprocess.Popen(
            [program, "--demo", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--quiet"],
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("Listening on "):
            fail("crm-server did not start: " + line)
        self.url = line[len("Listening on "):].rstrip("/")

    def request(self, method, path, token=None, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def login(self, user):
        return self.request("POST", "/api/v1/auth/token", body={"username": user, "password": "demo"})["token"]

    def items(self, token, entity):
        found, after = [], None
        while True:
            path = "/api/v1/%s?limit=1000%s" % (entity, "&after=" + after if after else "")
            page = self.request("GET", path, token)
            found += page["items"]
            after = page.get("next")
            if not after:
                return found

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


# The accessibility tree -----------------------------------------------

def walk(node, depth=0):
    if node is None or depth > 60:
        return
    yield node
    try:
        children = list(node)
    except Exception:  # gone while we looked
        return
    for child in children:
        yield from walk(child, depth + 1)


def find(root, role, name=None, prefix=None):
    for node in walk(root):
        try:
            if node.getRoleName() != role:
                continue
            if name is not None and node.name != name:
                continue
            if prefix is not None and not node.name.startswith(prefix):
                continue
            return node
        except Exception:
            continue
    return None


def application(name):
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and app.name == name:
            return app
    return None


def frame(app, name):
    for window in app:
        if window is not None and window.getRoleName() == "frame" and window.name == name:
            return window
    return None


def do_action(node, action):
    actions = node.queryAction()
    for i in range(actions.nActions):
        if actions.getName(i) == action:
            actions.doAction(i)
            return
    fail("%s '%s' has no action %s" % (node.getRoleName(), node.name, action))


def click(node):
    do_action(node, "click")


def set_text(node, text):
    node.queryEditableText().setTextContents(text)




def sign_in(data_dir, profile, url, user):
    """A profile signed in to @url with crm-cli, synced"""
    cli = [os.environ["CRM_CLI"], "--data-dir", data_dir, "--profile", profile]
    subprocess.run(cli + ["login", "--server", url, "--user", user],
                   input="demo\n", text=True, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(cli + ["sync"], check=True, stdout=subprocess.DEVNULL)


def start_app(data_dir, profile, env=None):
    """The built crm on @profile, with its accessibility tree on the bus"""
    env = dict(env or os.environ, GTK_A11Y="atspi")
    env.setdefault("GSETTINGS_BACKEND", "memory")
    return subprocess.Popen([os.environ["CRM_APP"], "--data-dir", data_dir, "--profile", profile], env=env)


def stop_app(process):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
