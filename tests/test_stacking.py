"""Stacking one learner's credentials towards a target: same learner, duplicates, failures, total."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from recognition_helpers import STRICT, TRUST, options, policy, write_issued

from edcissuer.models.elements import Body, Elements, ModuleInfo
from edcissuer.recognition import assess, same_learner
from edcissuer.recognition.policy import RECOGNISED, Decision, Target
from edcissuer.recognition.stacking import LearnerIdentity, build_stack


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


# --------------------------------------------------------------------------- modules count once
# Elements as the mappings extract them from a signed modular credential (Elements.modules) and
# from separate credentials for its modules; the stack must not count a module's ECTS twice.

JONAS = LearnerIdentity("did:key:z6MkgD3pkDoc6g4gAUjoGPFKv7twXRJ8orRKVrfgHZBuAEZg", frozenset({"jonas keller"}),
                        frozenset(), display="Jonas Keller")
CIERZO = Body(id="did:web:credentials.upc-cierzo.example", name={"en": "Polytechnic University of the Cierzo"},
              country="ES")
SAIMAA = Body(id="did:web:univ-saimaa.example", name={"en": "Saimaa University of Technology"}, country="FI")
M = "https://www.upc-cierzo.example/modules/dt-m"
MODULE_TITLES = {1: "Foundations of digital twins", 2: "Sensor data and simulation", 3: "Sustainability case study"}


@dataclass(frozen=True)
class Checked:
    """One verified, recognised credential as stacking reads it (the `Assessed` protocol)."""

    source: str
    elements: Elements
    decision: Decision = Decision(RECOGNISED, ())
    learner: LearnerIdentity | None = JONAS
    valid: bool = True
    failure: str = ""


def modular(source: str = "modular.elm.jades.json", modules: tuple[int, ...] = (1, 2, 3), ects: float = 6,
            **extra) -> Checked:
    return Checked(source, Elements(
        format="elm", credential_id=f"urn:uuid:{source}", title={"en": "Digital Twins for Sustainable Manufacturing"},
        issuer=CIERZO, awarding_bodies=[CIERZO], delivering_partners=[SAIMAA], issued="2026-06-15T09:00:00Z",
        ects=ects, eqf=7, modules=[ModuleInfo(id=f"{M}{n}", title={"en": MODULE_TITLES[n]}, ects=2) for n in modules],
        **extra))


def module_alone(n: int, source: str | None = None, *, spec: bool = True, issuer: Body = CIERZO,
                 ects: float = 2) -> Checked:
    return Checked(source or f"m{n}.ob3.jsonld", Elements(
        format="ob3", credential_id=f"urn:uuid:m{n}-{source}", specification_id=f"{M}{n}" if spec else None,
        title={"en": MODULE_TITLES[n]}, issuer=issuer, awarding_bodies=[issuer], issued=f"2026-0{n + 1}-28T09:00:00Z",
        ects=ects, eqf=7))


def stack(*credentials: Checked, target: float | None = None):
    return build_stack(credentials, Target(ects=target) if target else None)


def test_a_separate_credential_for_a_module_already_counted_adds_nothing_and_says_where_it_counted():
    result = stack(modular(), module_alone(1))
    first, second = result.entries
    assert first.counted and first.ects == 6
    assert not second.counted and second.duplicate_of == "modular.elm.jades.json"
    assert second.reason == ("its ECTS are already counted: 'Foundations of digital twins' (2 ECTS) already "
                             "counted as module 'Foundations of digital twins' (2 ECTS) of modular.elm.jades.json "
                             f"(same module id {M}1)")
    assert result.total_ects == 6


def test_a_modular_credential_after_its_modules_counts_only_the_rest():
    result = stack(module_alone(1), module_alone(2), modular(), target=6)
    assert [e.ects for e in result.entries] == [2, 2, 2]
    assert result.total_ects == 6 and result.reached is True
    note = result.entries[2].reason
    assert note.startswith("counted (recognised); 2 of 6 ECTS, modules counted once: ")
    assert "module 'Foundations of digital twins' (2 ECTS) already counted as 'Foundations of digital twins'" in note
    assert "of m2.ob3.jsonld (same module id " in note


def test_two_modular_credentials_sharing_a_module_count_it_once():
    capstone = modular("capstone.elm.jades.json", modules=(3,), ects=5)
    capstone.elements.title = {"en": "Sustainable Manufacturing Capstone"}
    result = stack(modular(), capstone)
    assert [e.ects for e in result.entries] == [6, 3]
    assert "module 'Sustainability case study' (2 ECTS) already counted as module 'Sustainability case study'" \
        in result.entries[1].reason
    assert result.total_ects == 9


def test_without_a_module_id_the_same_title_ects_and_issuer_are_the_same_module():
    result = stack(modular(), module_alone(2, spec=False))
    assert not result.entries[1].counted
    assert result.entries[1].reason.endswith("(same title, ECTS and issuing body)")
    # a delivering partner of the modular credential issued the separate one: still its learning
    result = stack(modular(), module_alone(2, spec=False, issuer=SAIMAA))
    assert not result.entries[1].counted


def test_a_module_is_not_matched_by_title_alone():
    other_uni = Body(id="did:web:elsewhere.example", name={"en": "Elsewhere University"}, country="NL")
    assert stack(modular(), module_alone(1, spec=False, issuer=other_uni)).total_ects == 8      # another issuer
    assert stack(modular(), module_alone(1, spec=False, ects=3)).total_ects == 9                # other ECTS
    different_id = module_alone(1)
    different_id.elements.specification_id = "https://elsewhere.example/modules/dt-m1"          # ids refute
    assert stack(modular(), different_id).total_ects == 8


def test_whole_credentials_without_modules_are_left_to_the_duplicate_rule():
    # two different credentials with the same title and ECTS (e.g. two editions) are not modules
    a, b = module_alone(1, "a.ob3.jsonld", spec=False), module_alone(1, "b.ob3.jsonld", spec=False)
    b.elements.issued = "2027-02-28T09:00:00Z"
    assert stack(a, b).total_ects == 4


def test_a_larger_separate_credential_keeps_what_the_module_did_not_count():
    result = stack(modular(), module_alone(1, ects=3))
    assert result.entries[1].counted and result.entries[1].ects == 1
    assert "1 of 3 ECTS, modules counted once" in result.entries[1].reason
