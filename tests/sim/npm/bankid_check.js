// Independent client check: the npm "bankid" library (BankIdClientV6) against mobileid-sim.
// Env: SIM_API_PORT, SIM_CONTROL_PORT, SIM_CERTDIR; run with NODE_PATH=<dir>/node_modules.
"use strict";
const assert = require("node:assert");
const crypto = require("node:crypto");
const http = require("node:http");
const path = require("node:path");
const { BankIdClientV6, BankIdError, QrGenerator } = require("bankid");

const apiPort = process.env.SIM_API_PORT;
const ctlPort = process.env.SIM_CONTROL_PORT;
const certdir = process.env.SIM_CERTDIR;

// The library hard-codes BankID's hosts; only the base URL changes, TLS options stay its own.
class SimClient extends BankIdClientV6 {
  createAxiosInstance() {
    const inst = super.createAxiosInstance();
    inst.defaults.baseURL = `https://localhost:${apiPort}/rp/${this.version}/`;
    inst.defaults.proxy = false;
    return inst;
  }
}

function control(method, p, obj) {
  return new Promise((resolve, reject) => {
    const body = obj ? JSON.stringify(obj) : undefined;
    const req = http.request({ host: "127.0.0.1", port: ctlPort, method, path: p,
      headers: body ? { "Content-Type": "application/json" } : {} }, res => {
      let data = "";
      res.on("data", c => (data += c));
      res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(data) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function ownQr(resp, t) {
  const mac = crypto.createHmac("sha256", resp.qrStartSecret).update(String(t)).digest("hex");
  return `bankid.${resp.qrStartToken}.${t}.${mac}`;
}

async function main() {
  const client = new SimClient({
    pfx: path.join(certdir, "client.p12"),
    passphrase: "qwerty123",
    ca: path.join(certdir, "ca.pem"),
    refreshInterval: 300,
  });

  // 1. authenticate -> scan the library's own QR -> awaitPendingCollect -> complete.
  const resp = await client.authenticate({ endUserIp: "127.0.0.1",
    userVisibleData: "Login via npm bankid" });
  for (const k of ["orderRef", "autoStartToken", "qrStartToken", "qrStartSecret"])
    assert.match(resp[k], /^[0-9a-f-]{36}$/, k);
  const qr = await QrGenerator.latestQrFromCache(resp.orderRef);
  assert.strictEqual(qr, ownQr(resp, 0), "library QR matches our own computation");
  const pending = await client.collect({ orderRef: resp.orderRef });
  assert.strictEqual(pending.hintCode, "outstandingTransaction");
  const scan = await control("POST", "/phone/scan", { qr, action: "approve", delay_ms: 500 });
  assert.strictEqual(scan.status, 200, JSON.stringify(scan.body));
  const done = await client.awaitPendingCollect(resp.orderRef);
  assert.strictEqual(done.status, "complete");
  const user = done.completionData.user;
  assert.match(user.personalNumber, /^\d{12}$/);
  assert.ok(user.name && user.givenName && user.surname);
  assert.ok(done.completionData.device.uhi);
  assert.strictEqual(done.completionData.bankIdIssueDate, "2023-11-29Z");
  const od = await control("GET", "/orders/" + resp.orderRef);
  assert.strictEqual(od.body.userVisibleData, "Login via npm bankid");
  assert.strictEqual(od.body.status, "complete");

  // 2. a denied sign rejects awaitPendingCollect with the failed collect.
  const s = await client.sign({ endUserIp: "::1", userVisibleData: "Sign this",
    requirement: { personalNumber: "199001011239" } });
  const opened = await control("POST", "/phone/open",
    { personalNumber: "199001011239", action: "deny", delay_ms: 0 });
  assert.strictEqual(opened.status, 200);
  await assert.rejects(client.awaitPendingCollect(s.orderRef),
    r => r.status === "failed" && r.hintCode === "userCancel");

  // 3. errors become BankIdError(code, details).
  await assert.rejects(client.collect({ orderRef: "00000000-0000-4000-8000-000000000000" }),
    e => e instanceof BankIdError && e.code === "invalidParameters" &&
         e.details === "No such order");
  const a = await client.authenticate({ endUserIp: "127.0.0.1" });
  assert.deepStrictEqual(await client.cancel({ orderRef: a.orderRef }), {});
  await assert.rejects(client.cancel({ orderRef: a.orderRef }),
    e => e instanceof BankIdError && e.code === "invalidParameters");

  // The library opens one TLS connection per request (keepAlive off) and says Connection: close.
  const conns = (await control("GET", "/connections")).body.connections;
  assert.ok(conns.every(c => c.requests <= 1), "one request per connection");
  console.log(`npm bankid OK: completed as ${user.personalNumber} (${user.name}), ` +
              `${conns.length} TLS connections`);
}

main().then(() => process.exit(0), e => { console.error("FAILED:", e); process.exit(1); });
