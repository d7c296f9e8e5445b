// Test certificates made with `openssl` at test time: a CA, a server certificate for 127.0.0.1 and
// localhost, and a client certificate, all signed by that CA. Nothing secret is ever committed.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { atProcessEnd } from "./process-end.js";

const OPENSSL_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = Petrel test
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
`;

// P-256 keys: generated in milliseconds, unlike RSA.
const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const cache = new Map();
let processDir;

function openssl(args, cwd) {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const why = err.code === "ENOENT" ? "openssl is not installed" : String(err.stderr || err.message).trim();
    throw new Error(`makeCerts: openssl ${args[0]} failed: ${why}`);
  }
}

function leaf(dir, name, cn, serial) {
  openssl(["req", "-new", "-config", "openssl.cnf", ...NEW_KEY, "-keyout", `${name}.key`,
    "-out", `${name}.csr`, "-subj", `/CN=${cn}`], dir);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", String(serial),
    "-days", "7", "-extfile", "openssl.cnf", "-extensions", name, "-out", `${name}.crt`], dir);
  return pair(dir, name);
}

function pair(dir, name) {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  return { certFile, keyFile, cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8") };
}

/**
 * Make (once per process and directory) a CA plus server and client certificates in `dir`
 * (default: a temp dir removed at exit). Returns `{ dir, ca, server, client }`, each part
 * `{ certFile, keyFile, cert, key }` (files and PEM text). Throws when openssl fails.
 */
export function makeCerts(dir) {
  if (!dir) {
    if (!processDir) {
      processDir = fs.mkdtempSync(path.join(os.tmpdir(), "petrel-certs-"));
      const made = processDir;
      atProcessEnd(() => fs.rmSync(made, { recursive: true, force: true }));
    }
    dir = processDir;
  }
  const key = path.resolve(dir);
  if (cache.has(key)) return cache.get(key);
  fs.mkdirSync(key, { recursive: true });
  fs.writeFileSync(path.join(key, "openssl.cnf"), OPENSSL_CONFIG);
  openssl(["req", "-x509", "-new", "-config", "openssl.cnf", "-extensions", "ca", ...NEW_KEY,
    "-keyout", "ca.key", "-out", "ca.crt", "-days", "7", "-subj", "/CN=Petrel test CA"], key);
  const certs = {
    dir: key,
    ca: pair(key, "ca"),
    server: leaf(key, "server", "localhost", 2),
    client: leaf(key, "client", "petrel-test-client", 3),
  };
  cache.set(key, certs);
  return certs;
}
