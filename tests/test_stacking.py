"""Stacking one learner's credentials towards a target: same learner, duplicates, failures, total."""
from __future__ import annotations

import json

import pytest
from recognition_helpers import STRICT, TRUST, options, policy, write_issued

from edcissuer.recognition import assess, same_learner
from edcissuer.recognition.stacking import LearnerIdentity


@pytest.fixture(scope="module")
def ana_records(records):
    """Ana's model 1 credential and two more for her, built from the joint and cooperative records."""
    ana = records["model1-single"].learner
    return {
        "data-literacy": records["model1-single"],
        "ai-health": records["model3-joint"].model_copy(update={"learner": ana}),
        "water": records["model2-cooperative"].model_copy(update={"learner": ana}),
    }


@pytest.fixture(scope="module")
def folder(tmp_path_factory, ana_records, records, demo_keys):
    out = tmp_path_factory.mktemp("stack")
    write_issued(out, "a1-data-literacy", ana_records["data-literacy"], "elm", demo_keys)
    write_issued(out, "a2-data-literacy", ana_records["data-literacy"], "ob3", demo_keys)  # same achievement
    write_issued(out, "a3-ai-health", ana_records["ai-health"], "ob3", demo_keys)
    write_issued(out, "a4-water", ana_records["water"], "elm", demo_keys)                  # not recognised
    write_issued(out, "a5-jonas", records["model2-cooperative"], "ob3", demo_keys)         # another learner
    return out


def entries(report):
    return [(e.source.rsplit("/", 1)[-1], e.counted, e.reason) for e in report.stack.entries]


def test_stack_counts_distinct_recognised_credentials_of_one_learner(folder):
    report = assess(folder, policy=STRICT, trust=TRUST, options=options(), stack=True)
    rows = entries(report)
    assert [r[:2] for r in rows] == [
        ("a1-data-literacy.elm.jades.json", True),
        ("a2-data-literacy.ob3.jsonld", False),
        ("a3-ai-health.ob3.jsonld", True),
        ("a4-water.elm.jades.json", False),
        ("a5-jonas.ob3.jsonld", False),
    ]
    assert rows[1][2] == ("duplicate of a1-data-literacy.elm.jades.json "
                          "(same title, issuer and date of issuing)")
    assert rows[2][2].startswith("counted (recognised with conditions): learning outcomes not aligned")
    assert rows[3][2].startswith("not recognised: trusted_partners: delivering partner Vistula")
    assert rows[4][2].startswith("another learner: learner id did:key:z6MkgD3p")
    assert report.stack.learner.display == "Ana Ferreira"
    assert report.stack.total_ects == 10
    assert report.stack.reached is False and report.exit_code == 5  # schema 3: 5 = target not reached
    assert report.stack.entries[1].duplicate_of.endswith("a1-data-literacy.elm.jades.json")


def test_stack_reaches_a_target_and_exits_zero(folder):
    target = policy({"trusted_issuer": {}, "level": {"eqf": [6, 7]}}, target={"ects": 10, "eqf": 6})
    report = assess(folder, policy=target, trust=TRUST, options=options(), stack=True)
    # without the partner rule the cooperative credential counts too
    assert report.stack.total_ects == 16 and report.stack.reached is True
    assert report.exit_code == 0
    assert "target reached" in report.to_text()


def test_credentials_below_the_target_level_do_not_count(folder):
    target = policy({"level": {"eqf": [6, 7]}}, target={"ects": 5, "eqf": 7})
    report = assess(folder, policy=target, trust=TRUST, options=options(), stack=True)
    first = report.stack.entries[0]
    assert not first.counted and first.reason == "EQF 6 is below the target's EQF 7"


def test_the_same_file_twice_is_a_duplicate_by_credential_id(folder):
    path = folder / "a3-ai-health.ob3.jsonld"
    report = assess([path, path], policy=STRICT, trust=TRUST, options=options(), stack=True)
    assert report.stack.entries[1].reason.startswith("duplicate of a3-ai-health.ob3.jsonld (same credential id urn:")


def test_failed_and_unreadable_credentials_are_skipped_and_the_rest_still_count(folder, tmp_path):
    doc = json.loads((folder / "a3-ai-health.ob3.jsonld").read_text())
    doc["credentialSubject"]["achievement"]["creditsAvailable"] = 60
    (tmp_path / "b-tampered.jsonld").write_text(json.dumps(doc))
    (tmp_path / "c-broken.json").write_text("{not json")
    report = assess([folder / "a1-data-literacy.elm.jades.json", tmp_path], policy=STRICT, trust=TRUST,
                    options=options(), stack=True)
    rows = entries(report)
    assert rows[0][1] is True
    assert rows[1][0] == "b-tampered.jsonld" and rows[1][2].startswith("failed verification: proof:")
    assert rows[2][0] == "c-broken.json" and rows[2][2].startswith("failed verification: input: json: malformed JSON")
    assert report.stack.total_ects == 5


def test_stack_without_policy_counts_verified_credentials(folder):
    report = assess(folder, trust=TRUST, options=options(), stack=True)
    assert report.stack.target is None and report.stack.reached is None
    assert [e.counted for e in report.stack.entries] == [True, False, True, True, False]
    assert report.exit_code == 0


# --------------------------------------------------------------------------- same learner without ids


@pytest.fixture(scope="module")
def anonymous(tmp_path_factory, records, demo_keys):
    """Ana's credential in both formats with no learner id: name and e-mail (plain / salted hash) remain."""
    out = tmp_path_factory.mktemp("anon")
    rec = records["model1-single"]
    no_id = rec.model_copy(update={"learner": rec.learner.model_copy(update={"id": None})})
    other_mail = rec.model_copy(update={"learner": rec.learner.model_copy(
        update={"id": None, "email": "someone.else@example.org"})})
    return {"elm": write_issued(out, "ana", no_id, "elm", demo_keys),
            "ob3": write_issued(out, "ana", no_id, "ob3", demo_keys),
            "ob3-other-mail": write_issued(out, "ana-other", other_mail, "ob3", demo_keys)}


def learners(*paths):
    return [e.learner for e in assess(list(paths), trust=TRUST, options=options()).credentials]


def test_without_learner_ids_name_and_email_match_the_salted_ob3_hash(anonymous):
    elm, ob3 = learners(anonymous["elm"], anonymous["ob3"])
    # each mapping mints a per-credential urn:uuid node id for the learner: not an identifier
    assert elm.id.startswith("urn:uuid:") and ob3.id.startswith("urn:uuid:") and elm.id != ob3.id
    assert ob3.email_hashes and not elm.email_hashes
    same, how = same_learner(elm, ob3)
    assert same and how == "same learner name and e-mail (matched against the salted e-mail hash)"


def test_without_learner_ids_another_email_is_not_the_same_learner(anonymous):
    elm, other = learners(anonymous["elm"], anonymous["ob3-other-mail"])
    same, how = same_learner(elm, other)
    assert not same and "without a learner id or a comparable e-mail" in how


def test_two_salted_hashes_cannot_be_compared(anonymous):
    a, b = learners(anonymous["ob3"], anonymous["ob3-other-mail"])
    assert same_learner(a, b)[0] is False


def test_learner_id_decides_when_both_have_one():
    ana = LearnerIdentity("did:key:ana", frozenset({"ana ferreira"}), frozenset())
    other = LearnerIdentity("did:key:other", frozenset({"ana ferreira"}), frozenset())
    assert same_learner(ana, ana) == (True, "same learner id did:key:ana")
    assert same_learner(ana, other)[0] is False
    node = LearnerIdentity("urn:uuid:1", frozenset({"ana ferreira"}), frozenset({"ana@x.org"}))
    assert same_learner(ana, node)[0] is False  # node id: falls back to name + e-mail, and ana has no e-mail
    with_mail = LearnerIdentity("did:key:ana", frozenset({"ana ferreira"}), frozenset({"ana@x.org"}))
    assert same_learner(with_mail, node) == (True, "same learner name and e-mail")
    assert same_learner(LearnerIdentity(None, frozenset({"x"}), frozenset({"x@y.z"})),
                        LearnerIdentity(None, frozenset({"y"}), frozenset({"x@y.z"})))[0] is False
