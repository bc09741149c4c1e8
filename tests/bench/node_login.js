// The do-it-yourself route the benchmark compares with: pam_exec runs
//   node node_login.js NODE_MODULES USERMAP API_PORT CERTDIR POLL_MS
// which logs PAM_USER in with the npm "bankid" client 3.x (BankIdClientV6):
// auth with the mapped personal number as requirement, the library's QR
// payload written every second (as text: rendering it would cost more),
// awaitPendingCollect every POLL_MS, exit 0 only when the order completed
// as the mapped person.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const [nodeModules, usermap, apiPort, certdir, pollMs] = process.argv.slice(2);
const { BankIdClientV6, QrGenerator } = require(path.join(nodeModules, "bankid"));

class SimClient extends BankIdClientV6 {
  createAxiosInstance() {
    const inst = super.createAxiosInstance();
    inst.defaults.baseURL = `https://localhost:${apiPort}/rp/${this.version}/`;
    inst.defaults.proxy = false;
    return inst;
  }
}

function personalNumber(user) {
  for (const line of fs.readFileSync(usermap, "utf-8").split("\n")) {
    const [name, id] = line.trim().split(/\s+/);
    if (name === user && id && id.startsWith("bankid:")) return id.slice(7);
  }
  throw new Error("no mapping for " + user);
}

async function main() {
  const pnr = personalNumber(process.env.PAM_USER);
  const client = new SimClient({
    pfx: path.join(certdir, "client.p12"),
    passphrase: fs.readFileSync(path.join(certdir, "client.pass"), "utf-8").trim(),
    ca: path.join(certdir, "ca.pem"),
    refreshInterval: Number(pollMs),
  });
  const order = await client.authenticate({ endUserIp: "127.0.0.1",
    requirement: { personalNumber: pnr } });
  const show = async () =>
    process.stdout.write((await QrGenerator.latestQrFromCache(order.orderRef)) + "\n");
  await show();
  const frames = setInterval(show, 1000);
  const done = await client.awaitPendingCollect(order.orderRef);
  clearInterval(frames);
  return done.completionData.user.personalNumber === pnr ? 0 : 1;
}

main().then(rc => process.exit(rc), e => { console.error("FAILED:", e); process.exit(1); });
