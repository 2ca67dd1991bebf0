// The demo: read the basic information, verify the PIN, run a debit,
// through the service's WebSocket. Personal data is shown masked.
"use strict";

const params = new URLSearchParams(location.hash.slice(1));
const token = params.get("token") || "";
const pending = new Map();
let nextId = 1;
let socket = null;

function show(id, text, error) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.className = error ? "error" : "";
}

// Keeps the first `head` and last `tail` characters.
function mask(s, head, tail) {
  const c = Array.from(s || "");
  if (c.length <= head + tail) return "*".repeat(c.length);
  return c.slice(0, head).join("") + "*".repeat(c.length - head - tail) + c.slice(c.length - tail).join("");
}

function connect() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
    ws.onopen = () => { show("connection", "connected"); resolve(ws); };
    ws.onerror = () => { show("connection", "refused", true); reject(new Error("refused")); };
    ws.onclose = () => { socket = null; };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      const done = pending.get(m.id);
      if (done) { pending.delete(m.id); done(m); }
    };
  });
}

async function call(request) {
  if (!socket) socket = await connect();
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    socket.send(JSON.stringify(Object.assign({ id }, request)));
  });
}

let basic = null;

async function readBasic() {
  const r = await call({ function: "iReadCardBas", iType: 1 });
  if (r.code !== 0) { show("ssn", `error ${r.code}: ${r.out || r.message}`, true); return false; }
  const f = r.out.split("|");
  basic = { ssn: f[1], cardNumber: f[2], cardId: f[3], name: f[4] };
  show("ssn", mask(basic.ssn, 6, 4));
  show("name", mask(basic.name, 1, 0));
  show("card-number", mask(basic.cardNumber, 1, 2));
  return true;
}

async function verify() {
  const r = await call({ function: "iVerifyPIN", iType: 1 });
  show("pin", r.code === 0 ? "verified" : `error ${r.code}: ${r.out}`, r.code !== 0);
  return r.code === 0;
}

function now() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

async function debit() {
  if (!basic && !(await readBasic())) return false;
  const r = await call({
    function: "iDoDebit",
    iType: 1,
    pCardInfo: `${basic.cardId}|${basic.cardNumber}|`,
    pPayInfo: `1.00|0.00|${now()}|`,
  });
  if (r.code !== 0) { show("debit-result", `error ${r.code}: ${r.out}`, true); return false; }
  const f = r.out.split("|");
  show("debit-result", `done: ${f.filter((x) => x).length} fields, TAC ${f[f.length - 2] ? "received" : "missing"}`);
  return true;
}

async function all() {
  show("status", "running");
  try {
    const ok = (await readBasic()) && (await verify()) && (await debit());
    show("status", ok ? "done" : "failed", !ok);
  } catch (e) {
    show("status", `failed: ${e.message}`, true);
  }
}

document.getElementById("read").addEventListener("click", readBasic);
document.getElementById("verify").addEventListener("click", verify);
document.getElementById("debit").addEventListener("click", debit);
if (params.get("auto") === "1") all();
