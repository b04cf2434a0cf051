// Wallet: the OpenWallet Foundation's OpenID4VCI client (@openid4vc/openid4vci) receiving credentials
// from a running issuer on loopback, as a wallet app built on it does.
//
// receive: {op: "receive", offer, txCode?, holderJwk, configurations?, replayProof?, redeemAgain?}
//   `offer` is the openid-credential-offer:// URI (by value or by reference); `holderJwk` the
//   wallet's private JWK (P-256 -> ES256, Ed25519 -> EdDSA), which signs every proof;
//   `configurations` the ids to request (default: every id the offer lists). Per configuration:
//   a fresh c_nonce, an `openid4vci-proof+jwt` bound the way the configuration's
//   cryptographic_binding_methods_supported asks (jwk, else did:jwk, else did:key), the credential.
//   `replayProof` first sends the previous configuration's proof (its c_nonce spent) for the
//   next configuration; `requestAgain` asks for the last configuration once more with a fresh
//   proof; `redeemAgain` asks the token endpoint again with the same pre-authorized code (each
//   must be refused: what the client reports is in `replay`, `requestAgain`, `redeemAgain`).
// Answer: {ok, version, issuer, offered, txCodeAsked, credentials: {id: {format, credential,
//   binding, proofHeader}}, calls: [{method, url, status}], replay?, requestAgain?, redeemAgain?}; a refusal is
//   {ok: false, stage, error (the OAuth / OpenID4VCI error code the client reports), status,
//   description, message}.
//
// Only loopback is reachable: any other host is refused before a request leaves.
import crypto from 'node:crypto';
import * as jose from 'jose';
import {Openid4vciClient, setGlobalConfig} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {readRequest, runJobs, describe, didKeyFromJwk} from './common.mjs';

// the tests' issuer runs on http://127.0.0.1:PORT; a production wallet keeps https only
setGlobalConfig({allowInsecureUrls: true});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const realFetch = globalThis.fetch;
let calls = [];

async function loopbackFetch(input, init) {
  const url = typeof input === 'string' ? input : (input?.url ?? String(input));
  const method = (init?.method ?? input?.method ?? 'GET').toUpperCase();
  if (!LOOPBACK.has(new URL(url).hostname)) {
    calls.push({method, url, status: 0});
    throw new Error(`the test wallet reaches loopback only, not ${url}`);
  }
  const response = await realFetch(input, init);
  calls.push({method, url, status: response.status});
  return response;
}

const {jobs} = await readRequest();
await runJobs(jobs, async job => {
  if (job.op !== 'receive') {
    throw new Error(`unknown op ${job.op}`);
  }
  calls = [];
  const out = await receive(job);
  return {...out, calls};
});

function algOf(jwk) {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    return 'ES256';
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return 'EdDSA';
  }
  throw new Error(`holder key ${jwk.kty}/${jwk.crv} not supported by the test wallet`);
}

function publicOf(jwk) {
  const {d, p, q, dp, dq, qi, ...pub} = jwk;
  return pub;
}

// The signer a configuration's binding methods ask for (a wallet picks the first it supports).
function signerFor(configuration, publicJwk, alg) {
  const methods = configuration.cryptographic_binding_methods_supported ?? ['jwk'];
  if (methods.includes('jwk')) {
    return {binding: 'jwk', signer: {method: 'jwk', alg, publicJwk}};
  }
  if (methods.includes('did:jwk')) {
    const did = `did:jwk:${Buffer.from(JSON.stringify(publicJwk)).toString('base64url')}`;
    return {binding: 'did:jwk', signer: {method: 'did', alg, didUrl: `${did}#0`}};
  }
  if (methods.includes('did:key') || methods.includes('did')) {
    return {binding: 'did:key', signer: {method: 'did', alg, didUrl: didKeyFromJwk(publicJwk).vm}};
  }
  throw new Error(`no binding method the test wallet supports in ${JSON.stringify(methods)}`);
}

// What the client reports for a refusal: the error code and HTTP status, wherever the error class keeps them.
function refusal(stage, error) {
  let code = error?.errorResponse?.error
    ?? error?.response?.credentialErrorResponseResult?.data?.error;
  let description = error?.errorResponse?.error_description
    ?? error?.response?.credentialErrorResponseResult?.data?.error_description;
  const response = error?.response?.response ?? error?.response;
  const status = typeof response?.status === 'number' ? response.status : undefined;
  if (!code && typeof error?.textResponse === 'string') {
    try {
      const body = JSON.parse(error.textResponse);
      code = body.error;
      description = body.error_description;
    } catch {
      // not JSON: the message says what came back
    }
  }
  if (!code && response?.headers?.get) {
    const header = response.headers.get('www-authenticate') ?? '';
    code = /error="([^"]+)"/.exec(header)?.[1];
  }
  return {ok: false, stage, error: code ?? '', status, description: description ?? '', message: describe(error)};
}

async function step(stage, work) {
  try {
    return {value: await work()};
  } catch (error) {
    return {refused: refusal(stage, error)};
  }
}

// A fresh c_nonce and the proof the configuration asks for (none when it lists no proof types).
async function proofFor(client, issuerMetadata, id, configuration, publicJwk, alg) {
  if (!configuration.proof_types_supported) {
    return {proofs: undefined, binding: null, header: null};
  }
  const nonce = await step('nonce', () => client.requestNonce({issuerMetadata}));
  if (nonce.refused) {
    return nonce;
  }
  const chosen = signerFor(configuration, publicJwk, alg);
  const proof = await step('proof', () => client.createCredentialRequestJwtProof(
    {issuerMetadata, credentialConfigurationId: id, nonce: nonce.value.c_nonce, signer: chosen.signer}));
  if (proof.refused) {
    return proof;
  }
  const header = jose.decodeProtectedHeader(proof.value.jwt);
  return {proofs: {jwt: [proof.value.jwt]}, binding: chosen.binding, header};
}

async function receive(job) {
  const privateKey = await jose.importJWK(job.holderJwk, algOf(job.holderJwk));
  const alg = algOf(job.holderJwk);
  const publicJwk = publicOf(job.holderJwk);
  const client = new Openid4vciClient({
    callbacks: {
      fetch: loopbackFetch,
      hash: (data, hashAlg) => crypto.createHash(hashAlg.replace('-', '').toLowerCase()).update(data).digest(),
      generateRandom: n => crypto.randomBytes(n),
      clientAuthentication: clientAuthenticationAnonymous(),
      signJwt: async (signer, {header, payload}) => ({
        jwt: await new jose.SignJWT(payload).setProtectedHeader(header).sign(privateKey),
        signerJwk: publicJwk
      }),
      decryptJwe: async () => ({decrypted: false})
    }
  });

  const offer = await step('offer', () => client.resolveCredentialOffer(job.offer));
  if (offer.refused) {
    return offer.refused;
  }
  const credentialOffer = offer.value;
  const metadata = await step('metadata', () => client.resolveIssuerMetadata(credentialOffer.credential_issuer));
  if (metadata.refused) {
    return metadata.refused;
  }
  const issuerMetadata = metadata.value;
  const grant = credentialOffer.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
  const base = {
    version: issuerMetadata.originalDraftVersion,
    issuer: credentialOffer.credential_issuer,
    offered: credentialOffer.credential_configuration_ids,
    txCodeAsked: grant?.tx_code ?? null
  };
  const token = await step('token', () => client.retrievePreAuthorizedCodeAccessTokenFromOffer(
    {credentialOffer, issuerMetadata, txCode: job.txCode ?? undefined}));
  if (token.refused) {
    return {...base, ...token.refused};
  }
  const accessToken = token.value.accessTokenResponse.access_token;
  const credentials = {};
  let last = null;
  let replay = null;
  for (const id of job.configurations ?? credentialOffer.credential_configuration_ids) {
    const configuration = issuerMetadata.credentialIssuer.credential_configurations_supported[id];
    if (!configuration) {
      return {...base, ok: false, stage: 'credential', error: '',
        message: `configuration ${id} is not in the metadata`};
    }
    if (job.replayProof && last?.proofs && !replay) {
      const again = await step('credential', () => client.retrieveCredentials(
        {issuerMetadata, accessToken, credentialConfigurationId: id, proofs: last.proofs}));
      replay = again.refused ?? {ok: true, message: 'the replayed proof was accepted'};
    }
    const proof = await proofFor(client, issuerMetadata, id, configuration, publicJwk, alg);
    if (proof.refused) {
      return {...base, configuration: id, ...proof.refused};
    }
    const got = await step('credential', () => client.retrieveCredentials(
      {issuerMetadata, accessToken, credentialConfigurationId: id, proofs: proof.proofs}));
    if (got.refused) {
      return {...base, configuration: id, ...got.refused};
    }
    const issued = got.value.credentialResponse.credentials ?? [];
    credentials[id] = {format: configuration.format, credential: issued[0]?.credential ?? null,
      count: issued.length, binding: proof.binding, proofHeader: proof.header};
    last = {id, configuration, proofs: proof.proofs};
  }
  const out = {...base, ok: true, credentials};
  if (job.replayProof) {
    out.replay = replay ?? {ok: true, message: 'nothing to replay: the offer has one configuration'};
  }
  if (job.requestAgain && last) {
    const proof = await proofFor(client, issuerMetadata, last.id, last.configuration, publicJwk, alg);
    const again = proof.refused ? proof : await step('credential', () => client.retrieveCredentials(
      {issuerMetadata, accessToken, credentialConfigurationId: last.id, proofs: proof.proofs}));
    out.requestAgain = again.refused ?? {ok: true, message: 'the configuration was issued twice'};
  }
  if (job.redeemAgain) {
    const again = await step('token', () => client.retrievePreAuthorizedCodeAccessTokenFromOffer(
      {credentialOffer, issuerMetadata, txCode: job.txCode ?? undefined}));
    out.redeemAgain = again.refused ?? {ok: true, message: 'the pre-authorized code was accepted twice'};
  }
  return out;
}
