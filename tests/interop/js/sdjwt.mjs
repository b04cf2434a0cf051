// Peer: the OpenWallet Foundation's SD-JWT libraries (@sd-jwt/sd-jwt-vc over @sd-jwt/core, with
// @sd-jwt/crypto-nodejs), as a verifier and as the holder's wallet.
//
// verify: {op: "verify", credential, issuerJwk, keyBindingNonce?, requiredClaimKeys?, typeMetadata?,
//   statusLists?, network?, now?}: the issuer signature (with `issuerJwk`), the disclosures,
//   iat/nbf/exp at `now` (seconds; default the clock), the KB-JWT when `keyBindingNonce` is given
//   (nonce, signature by cnf.jwk, sd_hash; the library does not check `aud`: it is reported),
//   the Token Status List when the credential references one (always, in 0.19), and with
//   `typeMetadata` (vct -> document, or -> a loopback URL to fetch it from) the type metadata and
//   its `extends` chain. Status lists come from `statusLists` (uri -> statuslist+jwt), else, with
//   `network`, from loopback through the library's own fetcher (which requires the
//   application/statuslist+jwt content type); else nothing is fetched and the verify fails.
// Answer: {ok, header, payload (the disclosed claims), kb, presentable, vctValues?, typeClaims?}.
// present: {op: "present", credential, disclose: [claim names], holderJwk (private), aud, nonce, iat?}
// Answer: {ok, presentation, disclosed: [names]}.
import {webcrypto} from 'node:crypto';
import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {ES256, digest, generateSalt, getSigner, getVerifier} from '@sd-jwt/crypto-nodejs';
import {readRequest, runJobs, fetched} from './common.mjs';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const realFetch = globalThis.fetch;
let network = false;   // the current job's `network`
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : (input?.url ?? String(input));
  fetched.push(url);
  if (!network || !LOOPBACK.has(new URL(url).hostname)) {
    throw new Error(`not fetched (offline${network ? ', loopback only' : ''}): ${url}`);
  }
  return realFetch(input, init);
};

if (!globalThis.crypto) {
  globalThis.crypto = webcrypto;
}

function algOf(jwk) {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    return 'ES256';
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return 'EdDSA';
  }
  throw new Error(`key ${jwk.kty}/${jwk.crv} not supported by this driver`);
}

function publicOf(jwk) {
  const {d, ...pub} = jwk;
  return pub;
}

async function verifierOf(jwk) {
  if (algOf(jwk) === 'ES256') {
    return ES256.getVerifier(publicOf(jwk));
  }
  return getVerifier(publicOf(jwk), {name: 'Ed25519'}, {name: 'Ed25519'});
}

async function signerOf(jwk) {
  if (algOf(jwk) === 'ES256') {
    return ES256.getSigner(jwk);
  }
  return getSigner(jwk, {name: 'Ed25519'}, {name: 'Ed25519'});
}

// The KB-JWT is checked with the holder key the issuer put in cnf.jwk.
async function kbVerifier(data, signature, payload) {
  const jwk = payload?.cnf?.jwk;
  if (!jwk) {
    throw new Error('the credential has no cnf.jwk to check the key binding with');
  }
  return (await verifierOf(jwk))(data, signature);
}

async function instance(job, extra = {}) {
  const config = {
    hasher: digest, hashAlg: 'sha-256', saltGenerator: generateSalt, kbVerifier, ...extra
  };
  if (job.issuerJwk) {
    config.verifier = await verifierOf(job.issuerJwk);
  }
  if (job.statusLists) {
    config.statusListFetcher = async uri => {
      fetched.push(uri);
      if (!(uri in job.statusLists)) {
        throw new Error(`status list ${uri} is not in the offline map`);
      }
      return job.statusLists[uri];
    };
  }
  if (job.typeMetadata) {
    config.loadTypeMetadataFormat = true;
    config.vctFetcher = async vct => {
      const entry = job.typeMetadata[vct];
      if (entry === undefined) {
        throw new Error(`no type metadata for ${vct}`);
      }
      if (typeof entry !== 'string') {
        fetched.push(vct);
        return entry;
      }
      const response = await fetch(entry, {headers: {accept: 'application/json'}});
      if (!response.ok) {
        throw new Error(`type metadata ${entry}: HTTP ${response.status}`);
      }
      return response.json();
    };
  }
  return new SDJwtVcInstance(config);
}

async function verify(job) {
  network = Boolean(job.network);
  const sdjwt = await instance(job);
  const options = {currentDate: job.now ?? Math.floor(Date.now() / 1000), skewSeconds: 60};
  if (job.keyBindingNonce !== undefined) {
    options.keyBindingNonce = job.keyBindingNonce;
  }
  if (job.requiredClaimKeys?.length) {
    options.requiredClaimKeys = job.requiredClaimKeys;
  }
  const result = await sdjwt.verify(job.credential, options);
  const out = {ok: true, header: result.header, payload: result.payload, kb: result.kb ?? null,
    presentable: (await sdjwt.presentableKeys(job.credential)).sort()};
  if (result.typeMetadata) {
    out.vctValues = result.typeMetadata.vctValues;
    out.typeClaims = (result.typeMetadata.mergedTypeMetadata.claims ?? []).map(c => ({path: c.path, sd: c.sd}));
  }
  return out;
}

async function present(job) {
  const sdjwt = await instance({}, {kbSigner: await signerOf(job.holderJwk), kbSignAlg: algOf(job.holderJwk)});
  const frame = Object.fromEntries(job.disclose.map(name => [name, true]));
  const presentation = await sdjwt.present(job.credential, frame,
    {kb: {payload: {iat: job.iat ?? Math.floor(Date.now() / 1000), aud: job.aud, nonce: job.nonce}}});
  const claims = await sdjwt.getClaims(presentation);
  return {ok: true, presentation, disclosed: job.disclose.filter(name => name in claims).sort()};
}

const {jobs} = await readRequest();
await runJobs(jobs, async job => {
  if (job.op === 'verify') {
    return verify(job);
  }
  if (job.op === 'present') {
    return present(job);
  }
  throw new Error(`unknown op ${job.op}`);
});
