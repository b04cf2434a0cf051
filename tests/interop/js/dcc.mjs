// Peer: @digitalcredentials/vc 10 (Digital Credentials Consortium) with the DCC suites:
// Ed25519Signature2020 and eddsa-rdfc-2022 (DCC data-integrity); DCC's security document
// loader (its bundled contexts, did:key for Ed25519, did:web and remote documents over the
// offline fetch); status by @digitalcredentials/vc-bitstring-status-list.
// Jobs: {op: "verify", credential, status?: bool} | {op: "sign", suite, credential}.
import {readRequest, installOfflineFetch, runJobs, peerSigner, verificationOutcome} from './common.mjs';

const {jobs, documents} = await readRequest();
installOfflineFetch(documents);

const vc = await import('@digitalcredentials/vc');
const {Ed25519Signature2020} = await import('@digitalcredentials/ed25519-signature-2020');
const {Ed25519VerificationKey2020} = await import('@digitalcredentials/ed25519-verification-key-2020');
const {DataIntegrityProof} = await import('@digitalcredentials/data-integrity');
const {cryptosuite: eddsaRdfc2022} = await import('@digitalcredentials/eddsa-rdfc-2022-cryptosuite');
const Ed25519Multikey = await import('@digitalcredentials/ed25519-multikey');
const {securityLoader} = await import('@digitalcredentials/security-document-loader');
const bitstringStatusList = await import('@digitalcredentials/vc-bitstring-status-list');
const {checkStatus} = bitstringStatusList;
const statusList2021 = await import('@digitalcredentials/vc-status-list');

const documentLoader = securityLoader({fetchRemoteContexts: true}).build();
const verifySuites = [new Ed25519Signature2020(), new DataIntegrityProof({cryptosuite: eddsaRdfc2022})];

// Every suite of a job signs with one Ed25519 key: an Ed25519VerificationKey2020, translated
// to Multikey for Data Integrity
async function keysFor() {
  const key2020 = await Ed25519VerificationKey2020.generate();
  return {key2020, multikey: await Ed25519Multikey.from(key2020)};
}

function signingSuite(name, keys, vm) {
  if (name === 'Ed25519Signature2020') {
    keys.key2020.id = vm;
    return new Ed25519Signature2020({key: keys.key2020});
  }
  if (name !== 'eddsa-rdfc-2022') {
    throw new Error(`no suite ${name}`);
  }
  keys.multikey.id = vm;
  return new DataIntegrityProof({signer: keys.multikey.signer(), cryptosuite: eddsaRdfc2022});
}

const publicOf = (name, keys) => ({publicKeyMultibase: keys.key2020.publicKeyMultibase,
  type: name === 'Ed25519Signature2020' ? 'Ed25519VerificationKey2020' : 'Multikey'});

async function issueWith(credential, suites, keys, methods) {
  let signed = credential;
  for (const [i, name] of suites.entries()) {
    signed = await vc.issue({credential: signed, suite: signingSuite(name, keys, methods[i]), documentLoader});
  }
  return signed;
}

const sign = peerSigner('dcc', {issueWith, keysFor, publicOf,
  statusLibs: {StatusList2021: statusList2021, BitstringStatusList: bitstringStatusList}});

async function verify(job) {
  const result = await vc.verifyCredential({
    credential: job.credential, suite: verifySuites, documentLoader,
    checkStatus: job.status ? checkStatus : undefined, verifyMatchingIssuers: false
  });
  const detail = {statusResult: result.statusResult ?? null, log: result.log ?? null};
  return verificationOutcome(result, detail);
}

await runJobs(jobs, job => job.op === 'sign' ? sign(job) : verify(job));
