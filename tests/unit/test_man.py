"""The man pages: lint-free for mandoc and for man-db/groff, and complete:
every config key the parser knows, every exit code of the tool, every PAM
code the module returns, and the setups the README promises (sshd, sudo,
login/su, OpenVPN) have their place in the pages.
"""
import os
import re
import shutil
import subprocess
import unittest

SRC = os.environ.get("MID_SOURCE_DIR", os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")))
MAN = os.path.join(SRC, "doc", "man")
PAGES = ["mobileid.1", "pam_mobileid.conf.5", "pam_mobileid.8"]


def read(*parts):
    with open(os.path.join(SRC, *parts)) as f:
        return f.read()


def sections(page):
    """{".SH title": text} of a page."""
    out, title = {}, None
    for line in read("doc", "man", page).splitlines():
        if line.startswith(".SH "):
            title = line[4:].strip().strip('"')
            out[title] = ""
        elif title:
            out[title] += line + "\n"
    return out


def tagged_words(text):
    """The words of the .TP tag lines (the line after each .TP)."""
    lines = text.replace("\\\n", "").splitlines()  # roff line continuations
    words = set()
    for i, line in enumerate(lines[:-1]):
        if line == ".TP":
            words.update(re.findall(r"[a-z_]+", lines[i + 1].replace("\\-", "-")))
    return words


def config_keys():
    """(section, key) of every key config_keys.c's table accepts, its macros
    (one block of keys per provider section) expanded."""
    src = read("pam_mobileid", "config_keys.c")
    keys = set(re.findall(r'\{"(\w+)", "(\w+)", KEY_', src))
    for macro, body in re.findall(r"#define (\w+)\(sec, \w+\)((?:.*\\\n)+.*)", src):
        names = re.findall(r'\{[\s\\]*sec, "(\w+)"', body)
        for sec in re.findall(macro + r'\("(\w+)"', src):
            keys.update((sec, n) for n in names)
    return keys


class ManPageTest(unittest.TestCase):

    @unittest.skipUnless(shutil.which("mandoc"), "mandoc not installed")
    def test_mandoc_lint_finds_nothing(self):
        r = subprocess.run(["mandoc", "-T", "lint", "-W", "style"] +
                           [os.path.join(MAN, p) for p in PAGES],
                           capture_output=True, text=True)
        self.assertEqual(r.stdout + r.stderr, "")
        self.assertEqual(r.returncode, 0)

    def test_man_warnings_finds_nothing(self):
        for page in PAGES:
            r = subprocess.run(["man", "--warnings", "-l", os.path.join(MAN, page)],
                               capture_output=True, text=True,
                               env=dict(os.environ, MANWIDTH="80",
                                        LC_ALL="C.UTF-8", MAN_KEEP_STDERR="1"))
            self.assertEqual(r.returncode, 0, page)
            self.assertEqual(r.stderr, "", page)
            self.assertIn("EXAMPLES", r.stdout, page)

    def test_every_config_key_is_documented_in_its_section(self):
        keys = config_keys()
        self.assertGreater(len(keys), 20, "config_keys.c's table not found")
        page = sections("pam_mobileid.conf.5")
        for sec, key in sorted(keys):
            title = "SECTION [%s]" % sec
            self.assertIn(title, page)
            self.assertIn(key, tagged_words(page[title]), "%s.%s" % (sec, key))

    def test_every_exit_code_of_the_tool_is_documented(self):
        codes = {"0"} | set(re.findall(r"#define EXIT_\w+ (\d+)",
                                       read("pam_mobileid", "mobileid.c")))
        self.assertGreaterEqual(len(codes), 3)
        text = sections("mobileid.1")["EXIT STATUS"]
        for c in sorted(codes):
            self.assertIn(".TP\n.B %s\n" % c, text, c)

    def test_every_pam_code_the_module_returns_is_documented(self):
        src = read("pam_mobileid", "pam_mobileid.c")
        codes = set(re.findall(
            r"\bPAM_(?:SUCCESS|IGNORE|[A-Z_]+_(?:ERR|UNKNOWN|UNAVAIL)|MAXTRIES)\b",
            src))
        self.assertIn("PAM_AUTH_ERR", codes)
        text = sections("pam_mobileid.8")["RETURN VALUES"]
        for c in sorted(codes):
            self.assertIn(".B %s\n" % c, text, c)

    def test_module_page_shows_each_service_setup(self):
        titles = [ln for ln in read("doc", "man", "pam_mobileid.8").splitlines()
                  if ln.startswith(".SS ")]
        for word in ("SSH", "sudo", "login and su", "OpenVPN", "pam\\-auth\\-update"):
            self.assertTrue(any(word in t for t in titles), (word, titles))


if __name__ == "__main__":
    unittest.main()
