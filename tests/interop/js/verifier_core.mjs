// Peer: @digitalcredentials/verifier-core, the verifier inside VerifierPlus and the Learner
// Credential Wallet. It builds its document loader (and captures fetch) at module load, so
// the offline fetch is installed BEFORE it is imported. No issuer registry is consulted
// (knownDIDRegistries: []), so its "registered_issuer" step is false and not asserted.
// Jobs: {op: "verify", credential}. ok = no fatal error and every log step valid except
// registered_issuer; detail carries the whole log and the schema check.
import {readRequest, installOfflineFetch, runJobs, describe} from './common.mjs';

const {jobs, documents} = await readRequest();
installOfflineFetch(documents);
const {verifyCredential} = await import('@digitalcredentials/verifier-core');

async function verify(job) {
  const result = await verifyCredential({credential: job.credential, knownDIDRegistries: []});
  if (result.errors) {
    return {ok: false, error: result.errors.map(e => `${e.name}: ${e.message}` +
      (e.stackTrace ? ` (${describe(e.stackTrace)})` : '')).join(' | ')};
  }
  const log = result.log ?? [];
  const steps = Object.fromEntries(log.map(s => [s.id, s.valid ?? false]));
  const failed = log.filter(s => s.id !== 'registered_issuer' && s.valid !== true);
  const detail = {steps, additionalInformation: result.additionalInformation ?? null};
  if (failed.length || !('valid_signature' in steps)) {
    return {ok: false, error: 'steps not valid: ' + JSON.stringify(failed), detail};
  }
  return {ok: true, detail};
}

await runJobs(jobs, verify);
