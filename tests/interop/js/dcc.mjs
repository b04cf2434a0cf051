// Peer: @digitalcredentials/vc 10 (Digital Credentials Consortium) with the DCC suites:
// Ed25519Signature2020 and eddsa-rdfc-2022 (DCC data-integrity); DCC's security document
// loader (its bundled contexts, did:key for Ed25519, did:web and remote documents over the
// offline fetch); status by @digitalcredentials/vc-bitstring-status-list.
// Jobs: {op: "verify", credential, status?: bool} | {op: "sign", suite, credential}.
import {readRequest, installOfflineFetch, runJobs, describe, setIssuer} from './common.mjs';

const {jobs, documents} = await readRequest();
installOfflineFetch(documents);

const vc = await import('@digitalcredentials/vc');
const {Ed25519Signature2020} = await import('@digitalcredentials/ed25519-signature-2020');
const {Ed25519VerificationKey2020} = await import('@digitalcredentials/ed25519-verification-key-2020');
const {DataIntegrityProof} = await import('@digitalcredentials/data-integrity');
const {cryptosuite: eddsaRdfc2022} = await import('@digitalcredentials/eddsa-rdfc-2022-cryptosuite');
const Ed25519Multikey = await import('@digitalcredentials/ed25519-multikey');
const {securityLoader} = await import('@digitalcredentials/security-document-loader');
const {checkStatus} = await import('@digitalcredentials/vc-bitstring-status-list');

const documentLoader = securityLoader({fetchRemoteContexts: true}).build();
const verifySuites = [new Ed25519Signature2020(), new DataIntegrityProof({cryptosuite: eddsaRdfc2022})];

async function sign(job) {
  let key;
  let suite;
  if (job.suite === 'Ed25519Signature2020') {
    key = await Ed25519VerificationKey2020.generate();
  } else {
    key = await Ed25519Multikey.generate();
  }
  const fingerprint = key.publicKeyMultibase ?? key.fingerprint();
  const did = `did:key:${fingerprint}`;
  key.controller = did;
  key.id = `${did}#${fingerprint}`;
  if (job.suite === 'Ed25519Signature2020') {
    suite = new Ed25519Signature2020({key});
  } else {
    suite = new DataIntegrityProof({signer: key.signer(), cryptosuite: eddsaRdfc2022});
  }
  const credential = setIssuer(job.credential, did);
  const signed = await vc.issue({credential, suite, documentLoader});
  return {ok: true, signed, did};
}

async function verify(job) {
  const result = await vc.verifyCredential({
    credential: job.credential, suite: verifySuites, documentLoader,
    checkStatus: job.status ? checkStatus : undefined, verifyMatchingIssuers: false
  });
  const detail = {statusResult: result.statusResult ?? null, log: result.log ?? null};
  // statusResult.verified says the lists were read and verified; each result's `status`
  // is the bit itself, which the application must read (true = revoked / suspended)
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

await runJobs(jobs, job => job.op === 'sign' ? sign(job) : verify(job));
