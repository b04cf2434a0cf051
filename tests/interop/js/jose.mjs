// Peer: jose (panva), the JOSE library most JavaScript VC and OB 3.0 stacks build on.
// verify: {op: "verify", token, form: "ob3-jwt" | "vc-jose", jwk?}: the signature with the key
//   the header names (kid: a did:key URL resolved here; jwk: the embedded key) or a pinned
//   `jwk`, the JWT claims jose checks (typ, nbf, exp), then the OB 3.0 JWT rules an
//   application adds on top (iss = issuer.id, jti = id, sub = credentialSubject.id, the kid's
//   DID = issuer).
// sign: {op: "sign", alg: "EdDSA" | "ES256" | "RS256", header: "kid" | "jwk", credential}:
//   a fresh key, its did:key as the issuer, the OB 3.0 JWT shape.
import {createPublicKey} from 'node:crypto';
import {readRequest, installOfflineFetch, runJobs, didKeyFromJwk, setIssuer} from './common.mjs';
import * as jose from 'jose';

const {jobs, documents} = await readRequest();
installOfflineFetch(documents);

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58decode(text) {
  const bytes = [0];
  for (const ch of text) {
    let carry = ALPHABET.indexOf(ch);
    if (carry < 0) {
      throw new Error('not base58btc');
    }
    for (let i = 0; i < bytes.length; i++) {
      carry += bytes[i] * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (const ch of text) {
    if (ch !== '1') {
      break;
    }
    bytes.push(0);
  }
  return Buffer.from(bytes.reverse());
}

const SPKI = {
  ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
  p256: Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex')
};

// The public JWK of a Multikey value (Ed25519, P-256, RSA), as a did:key resolver reads it.
function jwkFromMultikey(multibase) {
  if (!multibase.startsWith('z')) {
    throw new Error(`${multibase} is not base58btc multibase`);
  }
  const raw = base58decode(multibase.slice(1));
  let key;
  if (raw[0] === 0xed && raw[1] === 0x01) {
    key = createPublicKey({key: Buffer.concat([SPKI.ed25519, raw.subarray(2)]), format: 'der', type: 'spki'});
  } else if (raw[0] === 0x80 && raw[1] === 0x24) {
    key = createPublicKey({key: Buffer.concat([SPKI.p256, raw.subarray(2)]), format: 'der', type: 'spki'});
  } else if (raw[0] === 0x85 && raw[1] === 0x24) {
    key = createPublicKey({key: raw.subarray(2), format: 'der', type: 'pkcs1'});
  } else {
    throw new Error(`did:key multicodec ${raw.subarray(0, 2).toString('hex')} not supported`);
  }
  return key.export({format: 'jwk'});
}

// did:key: the key is the DID; did:web: the DID document (over the offline fetch) must list
// the kid as an assertionMethod with a publicKeyMultibase or publicKeyJwk
async function jwkFromKid(url) {
  const did = url.split('#')[0];
  if (did.startsWith('did:key:')) {
    return jwkFromMultikey(did.slice('did:key:'.length));
  }
  if (!did.startsWith('did:web:')) {
    throw new Error(`kid ${url} is neither a did:key nor a did:web URL`);
  }
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const response = await fetch(`https://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`);
  if (!response.ok) {
    throw new Error(`${did}: DID document answered ${response.status}`);
  }
  const doc = await response.json();
  const absolute = id => id.startsWith('#') ? did + id : id;
  if (!(doc.assertionMethod ?? []).some(m => absolute(typeof m === 'string' ? m : m.id) === url)) {
    throw new Error(`${url} is not an assertionMethod of ${did}`);
  }
  const vm = (doc.verificationMethod ?? []).find(m => absolute(m.id) === url);
  if (!vm) {
    throw new Error(`${url} not found in ${did}`);
  }
  return vm.publicKeyJwk ?? jwkFromMultikey(vm.publicKeyMultibase);
}

function issuerId(credential) {
  return typeof credential.issuer === 'string' ? credential.issuer : credential.issuer?.id;
}

async function verify(job) {
  const header = jose.decodeProtectedHeader(job.token);
  let key;
  if (job.jwk) {
    key = await jose.importJWK(job.jwk, header.alg);
  } else if (header.jwk) {
    key = await jose.importJWK(header.jwk, header.alg);
  } else {
    key = await jose.importJWK(await jwkFromKid(header.kid), header.alg);
  }
  const typ = job.form === 'vc-jose' ? 'vc+jwt' : undefined;
  const {payload, protectedHeader} = await jose.jwtVerify(job.token, key,
    {algorithms: ['EdDSA', 'ES256', 'RS256'], ...(typ ? {typ} : {})});
  const issuer = issuerId(payload);
  if (protectedHeader.kid && protectedHeader.kid.split('#')[0] !== issuer) {
    throw new Error(`kid ${protectedHeader.kid} is not a key of the issuer ${issuer}`);
  }
  if (job.form === 'ob3-jwt') {
    if (payload.iss !== issuer) {
      throw new Error(`iss ${payload.iss} is not the issuer ${issuer}`);
    }
    if (payload.id !== undefined && payload.jti !== payload.id) {
      throw new Error(`jti ${payload.jti} is not the credential id ${payload.id}`);
    }
    const subject = [].concat(payload.credentialSubject ?? [])[0];
    if (subject?.id !== undefined && payload.sub !== subject.id) {
      throw new Error(`sub ${payload.sub} is not credentialSubject.id ${subject.id}`);
    }
    if (typeof payload.nbf !== 'number') {
      throw new Error('nbf is missing');
    }
  }
  return {ok: true, detail: {header: protectedHeader}};
}

const numeric = text => Math.floor(Date.parse(text) / 1000);

async function sign(job) {
  const options = job.alg === 'RS256' ? {modulusLength: 2048, extractable: true} :
    job.alg === 'EdDSA' ? {crv: 'Ed25519', extractable: true} : {extractable: true};
  const {privateKey, publicKey} = await jose.generateKeyPair(job.alg, options);
  const publicJwk = await jose.exportJWK(publicKey);
  const {did, vm} = didKeyFromJwk(publicJwk);
  const credential = setIssuer(job.credential, did);
  const claims = {iss: did, jti: credential.id, sub: [].concat(credential.credentialSubject)[0].id,
    nbf: numeric(credential.validFrom)};
  if (credential.validUntil) {
    claims.exp = numeric(credential.validUntil);
  }
  const header = {alg: job.alg, typ: 'JWT', ...(job.header === 'jwk' ? {jwk: publicJwk} : {kid: vm})};
  const token = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify({...credential, ...claims})))
    .setProtectedHeader(header).sign(privateKey);
  return {ok: true, signed: token, did};
}

await runJobs(jobs, job => job.op === 'sign' ? sign(job) : verify(job));
