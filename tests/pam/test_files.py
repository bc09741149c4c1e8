"""Which files pam_mobileid trusts (interface.md §3): the file and every
directory above it root's alone, as OpenSSH's safe_path; symbolic links
followed only when the link, its target and every directory on both paths
pass; a certificate alone may be world-readable, a file with a key or a
password may not; a NUL byte is an error naming the line. Through libpam
against mobileid-sim."""
import os
import shutil
import unittest

from pamtest import PNR, PamCase


class FilesTest(PamCase):

    def refused(self, lg, s, *needles):
        self.assertEqual(self.run_login(lg), "PAM_SERVICE_ERR")
        self.assert_no_request(s)
        self.decision(lg, "refused config")
        if needles:
            self.assert_log_names(lg, *needles)

    def copy_cert(self, lg, name, rel, mode):
        """certs/name copied to lg.dir/rel with mode; returns the path."""
        path = os.path.join(lg.dir, rel)
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        shutil.copyfile(os.path.join(s_certs(lg), name), path)
        os.chmod(path, mode)
        return path

    # ---- directories above the files ----
    def test_config_in_a_group_writable_directory_is_refused(self):
        s = self.start_sim()
        lg = self.login(s)
        os.chmod(lg.dir, 0o775)
        self.refused(lg, s, lg.conf, "directory %s " % lg.dir, "writable")

    def test_usermap_below_a_world_writable_directory_is_refused(self):
        s = self.start_sim()
        lg = self.login(s)
        top = os.path.join(lg.dir, "open")
        os.makedirs(os.path.join(top, "maps"))
        os.chmod(top, 0o1777)   # as /tmp
        umap = lg.write("open/maps/usermap", "alice bankid:%s\n" % PNR, 0o644)
        lg.write("pam_mobileid.conf", read(lg.conf).replace(lg.usermap, umap), 0o600)
        self.refused(lg, s, umap, "directory %s " % top)

    def test_key_in_a_directory_not_owned_by_root_is_refused(self):
        s = self.start_sim()
        lg = self.login(s)
        d = os.path.join(lg.dir, "keys")
        os.makedirs(d, mode=0o755)
        p12 = self.copy_cert(lg, "client.p12", "keys/client.p12", 0o600)
        os.chown(d, 65534, 65534)
        lg.write("pam_mobileid.conf", read(lg.conf).replace(
            os.path.join(s_certs(lg), "client.p12"), p12), 0o600)
        self.refused(lg, s, p12, "not owned by root")

    # ---- certificates and keys ----
    def test_certificate_without_a_key_may_be_world_readable(self):
        s = self.start_sim()
        lg = self.login(s)
        cert = self.copy_cert(lg, "client.pem", "client.pem", 0o644)
        key = self.copy_cert(lg, "client.key", "client.key", 0o600)
        ca = self.copy_cert(lg, "ca.pem", "ca.pem", 0o644)
        self.use_creds(lg, cert=cert, key=key, ca=ca)
        self.approve_in_app(lg, s)

    def test_files_holding_a_key_must_not_be_readable_by_other(self):
        s = self.start_sim()
        cases = (("client.p12", {}),                       # PKCS#12
                 ("client-combined.pem", {}),              # PEM cert + key
                 ("client.key", {"cert": "client.pem"}))   # the key file
        for name, extra in cases:
            lg = self.login(s)
            path = self.copy_cert(lg, name, name, 0o644)
            if "cert" in extra:
                cert = self.copy_cert(lg, extra["cert"], extra["cert"], 0o644)
                self.use_creds(lg, cert=cert, key=path)
            else:
                self.use_creds(lg, cert=path)
            self.refused(lg, s, path, "readable by other")
        # the password file too
        lg = self.login(s)
        os.chmod(lg.write("pass", "x\n", 0o644), 0o644)
        self.use_creds(lg, password_file=os.path.join(lg.dir, "pass"))
        self.refused(lg, s, "pass", "readable by other")

    # ---- symbolic links ----
    def test_certificates_behind_renewal_tool_links_log_in(self):
        # how certbot and similar tools keep what they rotate:
        # live/<name>/x.pem -> ../../archive/<name>/xN.pem
        s = self.start_sim()
        lg = self.login(s)
        creds = {}
        for name, mode in (("client.pem", 0o644), ("client.key", 0o600),
                           ("ca.pem", 0o644)):
            self.copy_cert(lg, name, "archive/rp/1-" + name, mode)
            os.makedirs(os.path.join(lg.dir, "live/rp"), mode=0o755, exist_ok=True)
            link = os.path.join(lg.dir, "live/rp", name)
            os.symlink("../../archive/rp/1-" + name, link)
            creds[name] = link
        # and the config itself through an absolute link
        conf_link = os.path.join(lg.dir, "conf-link")
        os.symlink(lg.conf, conf_link)
        self.use_creds(lg, cert=creds["client.pem"], key=creds["client.key"],
                       ca=creds["ca.pem"])
        lg.write("pam.d/midtest", read(os.path.join(lg.svcdir, "midtest"))
                 .replace("conf=%s " % lg.conf, "conf=%s " % conf_link), 0o644)
        self.approve_in_app(lg, s)

    def test_link_not_owned_by_root_is_refused(self):
        s = self.start_sim()
        lg = self.login(s)
        ca = self.copy_cert(lg, "ca.pem", "ca.pem", 0o644)
        link = os.path.join(lg.dir, "ca-link")
        os.symlink(ca, link)
        os.lchown(link, 65534, 65534)
        self.use_creds(lg, ca=link)
        self.refused(lg, s, link, "symbolic link")

    def test_link_to_a_file_in_a_writable_directory_is_refused(self):
        s = self.start_sim()
        lg = self.login(s)
        drop = os.path.join(lg.dir, "drop")
        os.makedirs(drop)
        os.chmod(drop, 0o777)
        ca = self.copy_cert(lg, "ca.pem", "drop/ca.pem", 0o644)
        link = os.path.join(lg.dir, "ca-link")
        os.symlink(ca, link)
        self.use_creds(lg, ca=link)
        self.refused(lg, s, link, "directory %s " % drop)

    # ---- NUL bytes ----
    def test_nul_byte_in_the_config_is_an_error_naming_the_line(self):
        # read as a C string, the file ends at the NUL: the rest unread
        s = self.start_sim()
        lg = self.login(s)
        with open(lg.conf, "ab") as f:
            f.write(b"\0[general]\nbad key = 1\n")
        n = read(lg.conf, "rb").count(b"\n") - 1
        self.refused(lg, s, "%s:%d: NUL byte" % (lg.conf, n))

    def test_nul_byte_in_the_usermap_is_an_error_naming_the_line(self):
        s = self.start_sim()
        lg = self.login(s, usermap="alice bankid:%s\n\0bob bankid:%s\n" % (PNR, PNR))
        self.refused(lg, s, "%s:2: NUL byte" % lg.usermap)

    def use_creds(self, lg, **kv):
        """Rewrites [bankid] with these keys (None removes one)."""
        text = read(lg.conf)
        head, bank = text.split("[bankid]\n")
        lines = dict(l.split(" = ", 1) for l in bank.splitlines() if l)
        if "key" in kv or kv.get("cert", "").endswith(".pem"):
            lines.pop("password_file", None)
        for k, v in kv.items():
            if v is None:
                lines.pop(k, None)
            else:
                lines[k] = v
        lg.write("pam_mobileid.conf", head + "[bankid]\n" + "".join(
            "%s = %s\n" % kv for kv in lines.items()), 0o600)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def s_certs(lg):
    return lg.sim.certdir


if __name__ == "__main__":
    unittest.main()
