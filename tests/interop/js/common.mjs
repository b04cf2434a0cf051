// Shared by the peer drivers: the job protocol, the offline document map, key helpers.
//
// Protocol: one JSON object on stdin, {"documents": {url: file path}, "jobs": [job, ...]};
// one JSON object on stdout, {"results": [{"id", "ok", "error"?, "detail"?}, ...],
// "fetched": [url, ...]}. A job never throws out of the driver: its failure is its result.
import {readFileSync} from 'node:fs';
import {createPublicKey} from 'node:crypto';

export async function readRequest() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const documents = new Map();
  for (const [url, path] of Object.entries(request.documents ?? {})) {
    documents.set(url, JSON.parse(readFileSync(path, 'utf8')));
  }
  return {jobs: request.jobs ?? [], documents};
}

export const fetched = [];

// Replace globalThis.fetch with the offline map: a mapped URL answers 200 with its JSON,
// any other URL 404. Must run before a peer that captures fetch at module load is imported.
export function installOfflineFetch(documents) {
  globalThis.fetch = async (input) => {
    const url = typeof input === 'string' ? input : (input?.url ?? String(input));
    fetched.push(url);
    const key = documents.has(url) ? url : url.split('#')[0];
    if (!documents.has(key)) {
      return new Response(JSON.stringify({error: 'not in the offline map'}),
        {status: 404, statusText: 'Not Found', headers: {'content-type': 'application/json'}});
    }
    return new Response(JSON.stringify(documents.get(key)),
      {status: 200, headers: {'content-type': 'application/json'}});
  };
}

// Run every job with `handler`, collecting results; print them once.
export async function runJobs(jobs, handler) {
  const results = [];
  for (const job of jobs) {
    try {
      const out = await handler(job);
      results.push({id: job.id, ...out});
    } catch (error) {
      results.push({id: job.id, ok: false, error: describe(error)});
    }
  }
  process.stdout.write(JSON.stringify({results, fetched}) + '\n');
}

export function describe(error) {
  if (!error) {
    return String(error);
  }
  if (typeof error !== 'object') {
    return String(error);
  }
  const parts = [];
  const seen = new Set();
  const walk = (e, depth) => {
    if (!e || typeof e !== 'object' || seen.has(e) || depth > 4) {
      return;
    }
    seen.add(e);
    if (e.name || e.message) {
      parts.push(`${e.name ?? 'Error'}: ${e.message ?? ''}`.trim());
    }
    for (const inner of [].concat(e.errors ?? [], e.cause ?? [], e.error ?? [])) {
      walk(inner, depth + 1);
    }
  };
  walk(error, 0);
  return parts.join(' | ') || JSON.stringify(error).slice(0, 2000);
}

// --- did:key from a public JWK (multicodec + base58btc), for jose-made keys ---

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58btc(bytes) {
  let digits = [0];
  for (const byte of bytes) {
    let carry = byte;
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i] << 8;
      digits[i] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = '';
  for (const byte of bytes) {
    if (byte !== 0) {
      break;
    }
    out += '1';
  }
  for (let i = digits.length - 1; i >= 0; i--) {
    out += ALPHABET[digits[i]];
  }
  return out;
}

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

// did:key of a public JWK: Ed25519 (0xed), P-256 compressed (0x1200), RSA PKCS#1 DER (0x1205)
export function didKeyFromJwk(jwk) {
  let codec;
  let raw;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    codec = 0xed;
    raw = Buffer.from(jwk.x, 'base64url');
  } else if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    codec = 0x1200;
    const x = Buffer.from(jwk.x, 'base64url');
    const y = Buffer.from(jwk.y, 'base64url');
    raw = Buffer.concat([Buffer.from([2 + (y[y.length - 1] & 1)]), x]);
  } else if (jwk.kty === 'RSA') {
    codec = 0x1205;
    raw = createPublicKey({key: jwk, format: 'jwk'}).export({type: 'pkcs1', format: 'der'});
  } else {
    throw new Error(`no did:key for ${jwk.kty}/${jwk.crv}`);
  }
  const fingerprint = 'z' + base58btc(Buffer.concat([Buffer.from(varint(codec)), raw]));
  return {did: `did:key:${fingerprint}`, vm: `did:key:${fingerprint}#${fingerprint}`};
}

export function setIssuer(credential, did) {
  const copy = structuredClone(credential);
  if (copy.issuer && typeof copy.issuer === 'object') {
    copy.issuer.id = did;
  } else {
    copy.issuer = did;
  }
  return copy;
}

// --- who signs: the issuer id, each key's verification method id, the documents to publish ---
//
// `issuer`: "did:key" (one key only), "did:web" (a DID document listing every key),
// "https" (a controller document at an https URL, methods `<url>#key-<n>`) or
// "key-in-fragment" (an https issuer whose method is `<url>#<multikey>`, no document).
// `keys` are {publicKeyMultibase, type}; the result's `methods[i]` is the id of keys[i].
export function identity(issuer, peer, keys) {
  const host = `${peer}.peer.example`;
  if (issuer === 'did:key') {
    const fp = keys[0].publicKeyMultibase;
    if (keys.some(k => k.publicKeyMultibase !== fp)) {
      throw new Error('a did:key holds one key: use issuer did:web for a set of keys');
    }
    return {id: `did:key:${fp}`, methods: keys.map(() => `did:key:${fp}#${fp}`), documents: []};
  }
  if (issuer === 'key-in-fragment') {
    const url = `https://${host}/issuers/fragment`;
    return {id: url, methods: keys.map(k => `${url}#${k.publicKeyMultibase}`), documents: []};
  }
  const web = issuer === 'did:web';
  const id = web ? `did:web:${host}` : `https://${host}/issuers/1`;
  const unique = [...new Map(keys.map(k => [k.publicKeyMultibase, k])).values()];
  const vmOf = fp => `${id}#key-${unique.findIndex(k => k.publicKeyMultibase === fp) + 1}`;
  const verificationMethod = unique.map(k => ({
    id: vmOf(k.publicKeyMultibase), type: k.type, controller: id, publicKeyMultibase: k.publicKeyMultibase
  }));
  const context = web ? ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1',
    'https://w3id.org/security/suites/ed25519-2020/v1'] : ['https://www.w3.org/ns/cid/v1'];
  const ids = verificationMethod.map(vm => vm.id);
  const doc = {'@context': context, id, verificationMethod, assertionMethod: ids, authentication: ids};
  return {id, methods: keys.map(k => vmOf(k.publicKeyMultibase)),
    documents: [{kind: web ? 'did:web' : 'controller', id, document: doc}]};
}

// The signing side every LD peer driver shares: `peer.issueWith(credential, suites, keys, methods)` signs with
// the peer's own suites, `peer.keysFor(suites)` and `peer.publicOf(name, keys)` give its keys, and
// `peer.statusLibs` its {StatusList2021, BitstringStatusList} libraries ({createList, createCredential}).
export function peerSigner(name, peer) {
  // the status list credential of `kind` with the credential's bit clear, and with it set, both signed by
  // the issuer with its first suite
  async function statusLists(kind, entry, issuer, suites, keys, methods) {
    const {createList, createCredential} = peer.statusLibs[kind];
    const out = {};
    for (const [state, set] of [['clear', false], ['revoked', true]]) {
      const list = await createList({length: 131072});
      list.setStatus(Number(entry.statusListIndex), set);
      const credential = await createCredential({id: entry.statusListCredential, list, statusPurpose: 'revocation'});
      credential.issuer = issuer;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      credential[kind === 'StatusList2021' ? 'issuanceDate' : 'validFrom'] = now;
      out[state] = await peer.issueWith(credential, suites.slice(0, 1), keys, methods);
    }
    return out;
  }

  return async function sign(job) {
    const suites = job.suite.split('+');
    const keys = await peer.keysFor(suites);
    const who = identity(job.issuer ?? 'did:key', name, suites.map(s => peer.publicOf(s, keys)));
    const credential = setIssuer(job.credential, who.id);
    const signed = await peer.issueWith(credential, suites, keys, who.methods);
    const lists = job.status
      ? await statusLists(job.status, credential.credentialStatus, who.id, suites, keys, who.methods) : null;
    return {ok: true, signed, did: who.id, detail: {documents: who.documents, lists}};
  };
}

// A vc.verifyCredential result as a driver answer. statusResult.verified says the lists were read and
// verified; each result's `status` is the bit itself, which the application must read (true = revoked /
// suspended)
export function verificationOutcome(result, detail) {
  const set = (result.statusResult?.results ?? []).filter(r => r.status === true);
  if (set.length) {
    return {ok: false, error: set.map(r =>
      `credentialStatus ${r.credentialStatus?.statusPurpose}: status bit set`).join('; '), detail};
  }
  if (!result.verified) {
    return {ok: false, error: describe(result.error ?? result.statusResult?.error ?? result), detail};
  }
  return {ok: true, detail};
}
