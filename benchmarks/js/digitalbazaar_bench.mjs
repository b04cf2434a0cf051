// The JavaScript reference for benchmarks/js_reference.py: Data Integrity eddsa-rdfc-2022 sign
// (vc.issue) and verify (vc.verifyCredential, no status check) of the documents it is given, timed
// inside node, with the key and `created` date the Python side signs with.
//
// stdin, one JSON object:
//   {"peer": "digitalbazaar" | "digitalcredentials", "node_modules_root": dir holding node_modules,
//    "contexts": {url: document}, "key": {publicKeyMultibase, secretKeyMultibase, id, controller},
//    "created": xsd dateTime, "now": xsd dateTime, "rounds": n, "unsigned": [doc], "signed": [doc]}
// stdout, one JSON object:
//   {"node": version, "sign_s": best pass (s), "verify_s": best pass (s), "proof_values": [...],
//    "verified": [bool], "errors": [text | null], "fetched": [url not served]}
//
// The packages are the ones tests/interop pins; they are resolved from `node_modules_root`, since
// this script lives outside that folder. The document loader is offline: it serves exactly the
// contexts given (edcissuer's bundled ones) and resolves did:key; any other URL is an error.
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {performance} from 'node:perf_hooks';
// the peers' error text, as the interop drivers spell it
import {describe} from '../../tests/interop/js/common.mjs';

const PEERS = {
  digitalbazaar: {
    vc: '@digitalbazaar/vc', dataIntegrity: '@digitalbazaar/data-integrity',
    cryptosuite: '@digitalbazaar/eddsa-rdfc-2022-cryptosuite', multikey: '@digitalbazaar/ed25519-multikey'
  },
  digitalcredentials: {
    vc: '@digitalcredentials/vc', dataIntegrity: '@digitalcredentials/data-integrity',
    cryptosuite: '@digitalcredentials/eddsa-rdfc-2022-cryptosuite', multikey: '@digitalcredentials/ed25519-multikey'
  }
};
// shared plumbing, not what is measured: the loader's static map and the did:key resolver
const PLUMBING = {didKey: '@digitalbazaar/did-method-key', didIo: '@digitalbazaar/did-io',
  loader: 'jsonld-document-loader'};

async function readRequest() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}


const request = await readRequest();
const peer = PEERS[request.peer ?? 'digitalbazaar'];
if (!peer) {
  throw new Error(`unknown peer ${request.peer}`);
}
const require = createRequire(join(request.node_modules_root, 'package.json'));
const load = name => import(pathToFileURL(require.resolve(name)).href);

const vc = await load(peer.vc);
const {DataIntegrityProof} = await load(peer.dataIntegrity);
const {cryptosuite} = await load(peer.cryptosuite);
const Multikey = await load(peer.multikey);
const {driver: didKeyDriver} = await load(PLUMBING.didKey);
const {CachedResolver} = await load(PLUMBING.didIo);
const {JsonLdDocumentLoader} = await load(PLUMBING.loader);

const fetched = [];
const loader = new JsonLdDocumentLoader();
for (const [url, context] of Object.entries(request.contexts)) {
  loader.addStatic(url, context);
}
const resolver = new CachedResolver();
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Multikey.from});
resolver.use(didKey);
loader.setDidResolver(resolver);
const served = loader.build();
const documentLoader = async url => {
  try {
    return await served(url);
  } catch (error) {
    fetched.push(url);
    throw error;
  }
};

const key = await Multikey.from({type: 'Multikey', ...request.key});
const signingSuite = new DataIntegrityProof({signer: key.signer(), cryptosuite, date: request.created});
const verifySuite = new DataIntegrityProof({cryptosuite});
const now = new Date(request.now ?? request.created);

// a fresh copy per call: vc.issue adds to the credential it is given (our add_proof copies too)
const sign = doc => vc.issue({credential: structuredClone(doc), suite: signingSuite, documentLoader});
const verify = doc => vc.verifyCredential({credential: doc, suite: verifySuite, documentLoader, now});

// the first pass over every document is the warm-up, and gives the proofValues and verdicts
const proofValues = [];
const errors = [];
for (const doc of request.unsigned) {
  try {
    const signed = await sign(doc);
    proofValues.push(signed.proof?.proofValue ?? null);
    errors.push(null);
  } catch (error) {
    proofValues.push(null);
    errors.push(`sign: ${describe(error)}`);
  }
}
const verified = [];
for (const [i, doc] of request.signed.entries()) {
  const result = await verify(doc).catch(error => ({verified: false, error}));
  verified.push(result.verified === true);
  if (!result.verified) {
    const text = `verify: ${describe(result.error ?? result)}`;
    errors[i] = errors[i] ? `${errors[i]}; ${text}` : text;
  }
}

async function bestPass(fn, docs) {
  let best = Infinity;
  for (let round = 0; round < request.rounds; round++) {
    const start = performance.now();
    for (const doc of docs) {
      await fn(doc);
    }
    best = Math.min(best, performance.now() - start);
  }
  return best / 1000;
}

const allSigned = errors.every(e => e === null || !e.startsWith('sign:'));
const sign_s = allSigned && request.unsigned.length ? await bestPass(sign, request.unsigned) : null;
const verify_s = verified.length && verified.every(Boolean) ? await bestPass(verify, request.signed) : null;
process.stdout.write(JSON.stringify({node: process.version, sign_s, verify_s, proof_values: proofValues, verified, errors,
  fetched: [...new Set(fetched)]}) + '\n');
