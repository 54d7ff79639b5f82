"""Grading scenarios: one enterprise each, a clean A baseline perturbed by one fact, and the outcome that
RULES.md gives for it, worked out by hand (never by calling project code).

T = 2026-11-20, so Y1 = (2025-11-20, 2026-11-20], Y3 = (2023-11-20, 2026-11-20] and the prior year of the
risk score is (2024-11-20, 2025-11-20]. The backfill run grades as of T0 = 2026-11-10.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .builder import (
    EARLY,
    LATE,
    Enterprise,
    accident,
    application,
    award,
    complaint,
    export,
    insp,
    licence,
    review,
    spot,
    stats,
    tax,
    viol,
)

T = "2026-11-20"
T0 = "2026-11-10"
ON_T = "20261120"      # a delivery dated T itself: counts
MID = "20261115"       # after T0, before T
Y1 = "2026-06-01"      # a day inside Y1
PRIOR = "2025-06-01"   # inside the prior year (T - 2y, T - 1y], so in Y3 but not Y1
Y3 = "2024-06-01"      # inside Y3 but not Y1 nor the prior year


@dataclass
class Expect:
    level: str | None                  # None: not graded
    reasons: str = ""
    provisional: bool = False
    signals: str = ""
    untrusted: bool = False
    risk_score: int | None = None      # C only
    action: str | None = None          # C only
    awards: dict = field(default_factory=dict)  # local award id -> suspend / revoke
    public_a: bool = False
    public_d: bool = False
    review_status: str | None = None   # D not disclosed: pending / overturned


def A(**kw) -> Expect:
    return Expect("A", **kw)


def B(reasons: str, **kw) -> Expect:
    # provisional exactly when a B code fails (RULES.md "Assignment" 4)
    return Expect("B", reasons, provisional="B." in reasons, **kw)


def C(reasons: str, score: int, action: str, **kw) -> Expect:
    return Expect("C", reasons, risk_score=score, action=action, **kw)


def D(reasons: str, public: bool = False, review: str | None = "pending", **kw) -> Expect:
    return Expect("D", reasons, public_d=public, review_status=None if public else review, **kw)


@dataclass
class Scenario:
    name: str
    rule: str
    ent: Enterprise
    expect: Expect
    at_t0: Expect | None = None        # expected in the backfill run as of T0 (early enterprises only)


def S(name, rule, expect, at_t0=None, **facts) -> Scenario:
    return Scenario(name, rule, Enterprise(**facts), expect, at_t0)


APP_OK = application("2026-03-02", "approved", "2026-05-20")   # a voluntary application approved this year

SCENARIOS: list[Scenario] = [
    # --- baseline ------------------------------------------------------------------------------------
    S("clean_a", "A: every A criterion holds", A()),
    S("clean_a_exporter", "A exporter: export green channel", A(), exporter=True, exports=[export(Y1)]),

    # --- D: any one criterion ------------------------------------------------------------------------
    S("d1_commerce_revoked", "D.1 commerce status 吊销; active award of a D revoked",
      D("D.1", awards={"a": "revoke"}), commerce_status="吊销", awards=[award("a")]),
    S("d1_commerce_revoked_not_deregistered", "D.1 commerce status 吊销，未注销", D("D.1"),
      commerce_status="吊销，未注销"),
    S("d1_unlicensed", "D.1 unlicensed violation in Y1", D("D.1"), violations=[viol(Y1, "unlicensed")]),
    S("d1_licence_lapsed", "D.1 valid licence with expires_on < T", D("D.1"),
      licences=[licence(expires="2026-11-19")]),
    S("d2_counterfeit", "D.2 counterfeit violation in Y1 (harm major: not D.H, not D.5)", D("D.2"),
      violations=[viol(Y1, "counterfeit", "major", "confiscation")]),
    S("d3_rectify_overdue", "D.3 rectifying licence with rectify_deadline < T", D("D.3"),
      licences=[licence("rectifying", deadline="2026-11-19")]),
    S("d4_two_adjacent_fails", "D.4(a) two adjacent spot-check failures in Y1", D("D.4"),
      inspections=[spot("2026-02-01"), insp("metrology_spot_check", "2026-05-01", "fail")]),
    S("d4_serious_supervision_test", "D.4(b) supervision_test fail serious in Y1", D("D.4"),
      inspections=[insp("supervision_test", Y1, "fail", "serious")]),
    S("d4_not_tested", "D.4(c) supervision_test not_tested in Y1", D("D.4"),
      inspections=[insp("supervision_test", Y1, "not_tested")]),
    S("d5_false_ad_severe", "D.5 false advertising with harm severe (D.5 matches, so not D.H)", D("D.5"),
      violations=[viol(Y1, "false_advertising", "severe")]),
    S("d6_standard_none", "D.6 standards conformance none", D("D.6"), standards=["conforms", "none"]),
    S("d6_no_standard_violation", "D.6 no_standard violation in Y1", D("D.6"),
      violations=[viol(Y1, "no_standard")]),
    S("d7_penalty_licence_revoked", "D.7 penalty licence_revoked", D("D.7"),
      violations=[viol(Y1, "quality", "minor", "licence_revoked")]),
    S("d7_penalty_business_licence_revoked", "D.7 penalty business_licence_revoked", D("D.7"),
      violations=[viol(Y1, "quality", "minor", "business_licence_revoked")]),
    S("d7_penalty_referred", "D.7 penalty referred_to_judiciary", D("D.7"),
      violations=[viol(Y1, "other", "none", "referred_to_judiciary")]),
    S("d7_licence_status_revoked", "D.7 licence with status revoked", D("D.7"),
      licences=[licence("revoked")]),
    S("d8_service_refusal", "D.8 service_refusal violation in Y1", D("D.8"),
      violations=[viol(Y1, "service_refusal")]),
    S("dh_accident_major", "D.H accident major in Y1", D("D.H"), accidents=[accident(Y1, "major")]),
    S("dh_accident_severe", "D.H accident severe in Y1", D("D.H"), accidents=[accident(Y1, "severe")]),
    S("dh_violation_severe", "D.H quality violation with harm severe matching no other D rule", D("D.H"),
      violations=[viol(Y1, "quality", "severe")]),
    S("dh_not_when_other_d", "D.H only when no other D rule matches the severe violation (D.2 does)",
      D("D.2"), violations=[viol(Y1, "counterfeit", "severe", "confiscation")]),
    S("dh_severe_below_standard", "D.H: severe harm on a below_standard violation (C.4 is no D rule)",
      D("D.H"), violations=[viol(Y1, "below_standard", "severe")]),
    S("dh_not_when_d1", "D.H only when no other D rule matches (D.1 does)", D("D.1"),
      violations=[viol(Y1, "unlicensed", "severe")]),
    S("d_multiple_codes", "D: reasons are every D code that holds", D("D.1;D.2"),
      licences=[licence(expires="2026-10-01")], violations=[viol(Y1, "counterfeit", "major")]),
    S("d_precedence_over_c", "Assignment 1: D and C facts together give D with only D reasons", D("D.2"),
      violations=[viol(Y1, "counterfeit", "major")], standards=["below_declared"],
      accidents=[accident(Y1, "general")], inspections=[spot(Y1)]),
    S("d_exporter", "Supervision plan of a D exporter", D("D.2"), exporter=True, exports=[export(Y1)],
      violations=[viol(Y1, "counterfeit", "minor")]),

    # --- C: any one criterion, no D ------------------------------------------------------------------
    S("c1_rectifying", "C.1 rectifying, deadline >= T; active award of a C suspended",
      C("C.1", 10, "none", awards={"a": "suspend"}), licences=[licence("rectifying", deadline="2027-01-31")],
      awards=[award("a")]),
    S("c1_deadline_is_t", "C.1 rectify_deadline = T is C.1, not D.3", C("C.1", 10, "none"),
      licences=[licence("rectifying", deadline=T)]),
    S("c2_quality_spot_fail", "C.2 failed quality spot check in Y1", C("C.2", 10, "none"),
      inspections=[spot(Y1)]),
    S("c2_metrology_spot_fail", "C.2 failed metrology spot check in Y1", C("C.2", 10, "none"),
      inspections=[insp("metrology_spot_check", Y1, "fail")]),
    S("c2_supervision_check_fail", "C.2 failed supervision_check in Y1", C("C.2", 10, "none"),
      inspections=[insp("supervision_check", Y1, "fail", "serious")]),
    # supervision_test is not a "spot/supervision check" (RULES.md Dates and windows), so not C.2
    S("c3_supervision_test_fail", "C.3(a) supervision_test fail (general) in Y1; not C.2",
      C("C.3", 10, "none"), inspections=[insp("supervision_test", Y1, "fail", "general")]),
    S("c3_stats_supervision_rate", "C.3(b) latest supervision_test_pass_rate < 100", C("C.3", 10, "none"),
      production=[stats(2025, 100, 95)]),
    S("c3_exporter_not_passed", "C.3(c) exporter with export inspection passed=0 in Y1 (C exporter plan)",
      C("C.3", 10, "none"), exporter=True, exports=[export(Y1, passed=0)]),
    S("c4_below_declared", "C.4 standards conformance below_declared", C("C.4", 10, "none"),
      standards=["below_declared"]),
    S("c4_below_standard_violation", "C.4 below_standard violation in Y1 (not C.H)", C("C.4", 10, "none"),
      violations=[viol(Y1, "below_standard")]),
    S("c5_false_ad_major", "C.5 false advertising harm major (the C.5/D.5 gap)", C("C.5", 10, "none"),
      violations=[viol(Y1, "false_advertising", "major")]),
    S("c5_false_ad_minor", "C.5 false advertising harm minor", C("C.5", 10, "none"),
      violations=[viol(Y1, "false_advertising", "minor", "warning")]),
    S("c6_complaint_31_days", "C.6(a) liable quality complaint resolved in 31 days", C("C.6", 10, "none"),
      complaints=[complaint("quality_complaint", "2026-05-01", "2026-06-01")]),
    S("c6_metrology_complaint_late", "C.6(a) liable metrology complaint resolved late", C("C.6", 10, "none"),
      complaints=[complaint("metrology_complaint", "2026-03-01", "2026-05-01")]),
    S("c6_claim_open", "C.6(a) liable claim still open > 30 days at T", C("C.6", 10, "none"),
      complaints=[complaint("claim", "2026-10-01")]),
    S("c6_return_late", "C.6(a) liable return resolved late", C("C.6", 10, "none"),
      complaints=[complaint("return", "2026-02-01", "2026-04-01")]),
    S("c6_accident_general", "C.6(b) general accident in Y1", C("C.6", 10, "none"),
      accidents=[accident(Y1, "general")]),
    S("c7_after_sales_late", "C.7 liable after_sales complaint not resolved in time", C("C.7", 10, "none"),
      complaints=[complaint("after_sales", "2026-05-01", "2026-06-15")]),
    S("c8_declaration_serious", "C.8 exporter, declaration_result serious in Y1", C("C.8", 10, "none"),
      exporter=True, exports=[export(Y1, decl="serious")]),
    S("c8_conformity_serious", "C.8 exporter, conformity_result serious in Y1", C("C.8", 10, "none"),
      exporter=True, exports=[export(Y1, conf="serious")]),
    S("ch_quality_violation", "C.H quality violation, harm minor, fine", C("C.H", 10, "none"),
      violations=[viol(Y1, "quality", "minor", "fine")]),
    S("ch_metrology_violation", "C.H metrology violation, harm none, warning", C("C.H", 10, "none"),
      violations=[viol(Y1, "metrology", "none", "warning")]),
    S("ch_other_violation", "C.H other violation, harm major, production_halt", C("C.H", 10, "none"),
      violations=[viol(Y1, "other", "major", "production_halt")]),
    S("c_multiple_codes", "C: reasons are every C code that holds; 10 points each", C("C.2;C.4", 20, "none"),
      inspections=[spot(Y1)], standards=["below_declared"]),

    # --- A criteria failing alone (or as alone as the rules allow) -> B ----------------------------
    S("a1_established_2_to_3_years", "A.1 established < 3 years but >= 2: B, not provisional", B("A.1"),
      established_on="2024-01-15"),
    S("a1_failed_check_in_y3", "A.1 failed spot check in Y3, not in Y1 (B.1 holds)", B("A.1"),
      inspections=[spot(Y3)]),
    S("a1_violation_in_y3", "A.1 violation in Y3, not in Y1", B("A.1"), violations=[viol(Y3)]),
    # A.2 cannot fail alone: below_declared/none conformance is C.4/D.6, and a below_standard violation
    # in Y3 also fails A.1 ("no violation of any category in Y3").
    S("a2_below_standard_in_y3", "A.2 below_standard violation in Y3 (with A.1)", B("A.1;A.2"),
      violations=[viol(Y3, "below_standard")]),
    S("a3_no_production_stats", "A.3 no production statistics; B.3 holds (missing stats do not block B)",
      B("A.3"), production=[]),
    # A.4 cannot fail alone either: a false_advertising violation in Y3 also fails A.1.
    S("a4_false_ad_in_y3", "A.4 false_advertising violation in Y3 (with A.1)", B("A.1;A.4"),
      violations=[viol(Y3, "false_advertising")]),
    S("a5_complaint_in_time_30_days", "A.5 liable complaint in Y1 resolved in exactly 30 days (in time)",
      B("A.5"), complaints=[complaint("quality_complaint", "2026-05-01", "2026-05-31")]),
    S("a5_return_in_time", "A.5 liable return in Y1 resolved in time", B("A.5"),
      complaints=[complaint("return", "2026-05-01", "2026-05-10")]),
    S("a6_after_sales_in_time", "A.6 liable after_sales complaint in Y1 resolved in time", B("A.6"),
      complaints=[complaint("after_sales", "2026-05-01", "2026-05-10")]),
    # A.7 cannot fail without C.1/D.3/D.7/D.1 also holding; a cancelled licence is none of
    # rectifying/revoked/lapsed ("lapsed" read literally as D.1's "status valid and expires_on < T").
    S("a7_cancelled_licence_not_lapsed", "A.7: a cancelled, expired licence is not lapsed", A(),
      licences=[licence("cancelled", expires="2025-01-01")]),
    S("a8_declaration_general", "A.8 exporter, declaration_result general in Y1", B("A.8"), exporter=True,
      exports=[export(Y1, decl="general")]),
    S("a8_conformity_general", "A.8 exporter, conformity_result general in Y1", B("A.8"), exporter=True,
      exports=[export(Y1, conf="general")]),

    # --- B codes -------------------------------------------------------------------------------------
    S("b1_young", "B.1 established < 2 years: A.1 and B.1 fail, provisional", B("A.1;B.1"),
      established_on="2025-06-01"),
    S("b3_factory_below_100", "B.3 factory_pass_rate < 100, no C cause: provisional", B("A.3;B.3"),
      production=[stats(2025, 98.5)]),
    S("b1_b3_young_and_factory", "A.1, A.3, B.1, B.3 all fail", B("A.1;A.3;B.1;B.3"),
      established_on="2025-06-01", production=[stats(2025, 99)]),
    S("stats_latest_year_wins_good", "latest production statistics = highest year", A(),
      production=[stats(2024, 97), stats(2025, 100)]),
    S("stats_latest_year_wins_bad", "latest production statistics = highest year", B("A.3;B.3"),
      production=[stats(2024, 100), stats(2025, 97)]),
    S("stats_current_year", "latest production statistics: year(T) counts", A(),
      production=[stats(2025, 97, 90), stats(2026, 100)]),
    S("stats_supervision_rate_100", "A.3 supervision_test_pass_rate 100 is fine", A(),
      production=[stats(2025, 100, 100)]),

    # --- boundaries ----------------------------------------------------------------------------------
    S("edge_fail_at_t_minus_1y", "Y1 = (T-1y, T]: a failure on T-1y is outside Y1 (inside Y3)", B("A.1"),
      inspections=[spot("2025-11-20")]),
    S("edge_fail_day_after_t_minus_1y", "Y1: a failure on T-1y+1 day is inside Y1", C("C.2", 10, "none"),
      inspections=[spot("2025-11-21")]),
    S("edge_fail_on_t", "Y1 includes T (record and delivery dated T)", C("C.2", 10, "none"),
      inspections=[spot(T, delivery=ON_T)]),
    S("edge_fail_at_t_minus_3y", "Y3 = (T-3y, T]: a failure on T-3y is outside Y3", A(),
      inspections=[spot("2023-11-20")]),
    S("edge_open_exactly_30_days", "open exactly 30 days at T is not 'more than 30 days'", B("A.5"),
      complaints=[complaint("quality_complaint", "2026-10-21")]),
    S("edge_open_31_days", "open 31 days at T is not resolved in time", C("C.6", 10, "none"),
      complaints=[complaint("quality_complaint", "2026-10-20")]),
    S("edge_complaint_received_t_minus_1y", "complaint received on T-1y is outside Y1", A(),
      complaints=[complaint("quality_complaint", "2025-11-20", "2026-01-31")]),
    S("edge_complaint_not_liable", "complaint not enterprise-liable counts for nothing", A(),
      complaints=[complaint("quality_complaint", "2026-05-01", liable=0)]),
    S("edge_licence_expires_on_t", "valid licence expiring exactly on T is not lapsed", A(),
      licences=[licence(expires=T)]),
    S("edge_established_exactly_3y", "established exactly T-3y counts as 3 years", A(),
      established_on="2023-11-20"),
    S("edge_established_3y_minus_1day", "established T-3y+1 day is not 3 years", B("A.1"),
      established_on="2023-11-21"),
    S("edge_established_exactly_2y", "established exactly T-2y counts as 2 years", B("A.1"),
      established_on="2024-11-20"),
    S("edge_established_2y_minus_1day", "established T-2y+1 day is not 2 years", B("A.1;B.1"),
      established_on="2024-11-21"),
    S("edge_export_fail_outside_y1", "export passed=0 outside Y1 affects neither A.3 nor C.3", A(),
      exporter=True, exports=[export(PRIOR, passed=0)]),

    # --- D.4 adjacency -------------------------------------------------------------------------------
    S("d4_fail_pass_fail", "D.4(a) fail, pass, fail is not adjacent: C.2 only", C("C.2", 10, "none"),
      inspections=[spot("2026-02-01"), spot("2026-04-01", "pass"), spot("2026-06-01")]),
    S("d4_supervision_check_not_counted", "D.4(a) counts spot checks only, not supervision_check",
      C("C.2", 10, "none"), inspections=[insp("supervision_check", "2026-02-01", "fail"), spot("2026-04-01")]),
    S("d4_supervision_check_between", "D.4(a) a supervision_check between two spot failures does not "
      "separate them (it is not a spot check)", D("D.4"),
      inspections=[spot("2026-02-01"), insp("supervision_check", "2026-03-01", "pass"),
                   insp("metrology_spot_check", "2026-04-01", "fail")]),
    S("d4_order_by_record_id", "D.4(a) same inspected_on ordered by record_id: 1 fail, 2 fail, 3 pass",
      D("D.4"), inspections=[spot("2026-05-01", rid=1), spot("2026-05-01", "pass", rid=3),
                            spot("2026-05-01", rid=2)]),
    S("d4_one_fail_in_prior_year", "D.4(a) needs both failures in Y1; prior-year failure = repeat 15",
      C("C.2", 25, "none"), inspections=[spot(PRIOR), spot("2026-03-01")]),

    # --- who is graded -------------------------------------------------------------------------------
    S("deregistered", "Who is graded: commerce status 注销 is not graded", Expect(None),
      commerce_status="注销", inspections=[spot(Y1)]),
    S("missing_from_commerce", "Who is graded: missing from commerce is graded", A(), commerce_status=None),
    S("missing_from_commerce_young", "missing from commerce: the archive's establishment date is used",
      B("A.1;B.1"), commerce_status=None, established_on="2025-06-01"),
    S("commerce_suspended", "停业 still exists: graded", A(), commerce_status="停业"),
    S("commerce_liquidation", "清算 still exists: graded", A(), commerce_status="清算"),
    S("commerce_long_form_active", "存续（在营、开业、在册） is active", A(),
      commerce_status="存续（在营、开业、在册）"),
    S("commerce_date_wins_young", "commerce establishment date wins over the archive's", B("A.1;B.1"),
      established_on="2010-03-01", commerce_established="2025-06-01"),
    S("commerce_date_wins_old", "commerce establishment date wins over the archive's", A(),
      established_on="2025-06-01", commerce_established="2010-03-01"),

    # --- point in time -------------------------------------------------------------------------------
    S("pit_late_event_ignored", "a delivery dated after T is ignored", A(),
      inspections=[spot("2026-11-18", delivery=LATE)]),
    S("pit_late_correction_ignored", "an event correction delivered after T is ignored", C("C.2", 10, "none"),
      inspections=[spot(Y1, rid="x"), spot(Y1, "pass", rid="x", delivery=LATE)]),
    S("pit_correction_on_t_wins", "a correction delivered on T wins", A(),
      inspections=[spot(Y1, rid="x"), spot(Y1, "pass", rid="x", delivery=ON_T)]),
    S("pit_same_day_redelivery_wins", "a same-day re-delivery _01 sorts after the plain file", A(),
      inspections=[spot(Y1, rid="x"), spot(Y1, "pass", rid="x", delivery="20261119_01")]),
    S("pit_correction_before_t_wins", "a correction delivered before T wins (not yet at T0)", A(),
      at_t0=C("C.2", 10, "none"), early=True,
      inspections=[spot("2026-09-01", rid="x", delivery=EARLY), spot("2026-09-01", "pass", rid="x",
                                                                     delivery=MID)]),
    S("pit_mid_new_fail", "a failure delivered after T0 counts at T, not at T0", C("C.2", 10, "none"),
      at_t0=A(), early=True, inspections=[spot("2026-09-01", delivery=MID)]),
    S("pit_early_clean", "backfill: an enterprise of the early snapshot", A(), at_t0=A(), early=True),
    S("pit_abnormal_removed_mid", "commerce_abnormal: removed 2026-11-15, before T but after T0", A(),
      at_t0=A(signals="commerce_abnormal"), early=True, early_abnormal=[("2026-03-01", "")],
      abnormal=[("2026-03-01", "2026-11-15")]),
    S("pit_licence_gone_from_snapshot", "snapshot: a licence absent from the latest licences delivery is gone",
      A(), at_t0=D("D.3"), early=True, early_licences=[licence("rectifying", deadline="2026-09-30")]),
    S("pit_violation_corrected", "events: a same-day re-delivery re-categorizes a violation (D.2 -> C.H)",
      C("C.H", 10, "none"), violations=[viol(Y1, "counterfeit", rid="x"),
                                       viol(Y1, "quality", rid="x", delivery="20261119_01")]),
    S("pit_correction_makes_c", "events: a correction delivered before T turns a pass into a failure (C.2)",
      C("C.2", 10, "none"), inspections=[spot(Y1, "pass", rid="x", delivery=MID), spot(Y1, rid="x")]),
    S("pit_late_tax_ignored", "a tax rating delivered after T is ignored", A(),
      taxes=[tax(2025, "D", delivery=LATE)]),
    S("keyed_fullwidth", "an identifier keyed in full-width characters names the enterprise (NFKC)",
      C("C.2", 10, "none"), inspections=[spot(Y1, keyed="fullwidth")]),
    S("keyed_lower_spaced", "an identifier keyed in lower case with spaces names the enterprise",
      C("C.2", 10, "none"), inspections=[spot(Y1, keyed="lower_spaced")]),
    S("pit_dropped_after_t", "an enterprises snapshot dated after T is ignored", A(),
      after_t={"drop_from_enterprises": True}),
    S("pit_deregistered_after_t", "a commerce snapshot dated after T is ignored", A(),
      after_t={"commerce_status": "注销"}),
    S("pit_late_stats_ignored", "production statistics delivered after T are ignored", B("A.3;B.3"),
      production=[stats(2025, 97), stats(2026, 100, delivery=LATE)]),

    # --- cross-agency signals (never change the level) -----------------------------------------------
    S("bank_substandard", "bank_npl: 次级; untrustworthy elsewhere: A loses benefits",
      A(signals="bank_npl", untrusted=True), loans=[("次级", 120)]),
    S("bank_doubtful", "bank_npl: 可疑", A(signals="bank_npl", untrusted=True), loans=[("可疑", 200)]),
    S("bank_loss", "bank_npl: 损失", A(signals="bank_npl", untrusted=True), loans=[("正常", 0), ("损失", 400)]),
    S("bank_watch", "bank_watch: worst loan 关注", A(signals="bank_watch"), loans=[("正常", 0), ("关注", 45)]),
    S("bank_worst_is_npl", "bank_watch only when the worst loan is 关注", A(signals="bank_npl", untrusted=True),
      loans=[("关注", 40), ("次级", 100)]),
    S("bank_all_pass", "no bank signal for 正常", A(), loans=[("正常", 0)]),
    S("bank_no_loans", "no bank signal for an empty report", A(), loans=[]),
    S("bank_old_report_ignored", "the latest bank report counts, not an older one", A(),
      old_loans=[("次级", 100)], loans=[("正常", 0)]),
    S("bank_overdue_misclassified", "a 正常 loan overdue > 90 days is loaded as delivered", A(),
      loans=[("正常", 120)]),
    S("tax_d", "tax_d; untrustworthy elsewhere", A(signals="tax_d", untrusted=True), taxes=[tax(2025, "D")]),
    S("tax_c", "tax_c; not untrustworthy elsewhere", A(signals="tax_c"), taxes=[tax(2025, "C")]),
    S("tax_highest_year_clean", "tax: the highest evaluation year decides", A(),
      taxes=[tax(2024, "D"), tax(2025, "B")]),
    S("tax_highest_year_c", "tax: the highest evaluation year decides (date with slashes)", A(signals="tax_c"),
      taxes=[tax(2024, "A"), tax(2025, "C", rated_on="2026/04/18")]),
    S("tax_legacy_number", "tax_d under a 15-character legacy tax number", A(signals="tax_d", untrusted=True),
      taxes=[tax(2025, "D", legacy=True)]),
    S("tax_rerated", "tax events: a later delivery re-rates the year", A(),
      taxes=[tax(2025, "D"), tax(2025, "B", rated_on="2026-10-15", delivery="20261015")]),
    S("tax_legacy_and_uscc", "tax: highest year across a USCC row and a legacy-number row", A(),
      taxes=[tax(2024, "D"), tax(2025, "B", legacy=True)]),
    S("tax_m", "tax M gives no signal", A(), taxes=[tax(2025, "M")]),
    S("commerce_abnormal", "commerce_abnormal: listed, not removed", A(signals="commerce_abnormal"),
      abnormal=[("2026-03-01", "")]),
    S("commerce_abnormal_removed", "commerce_abnormal: removed before T", A(),
      abnormal=[("2025-03-01", "2026-02-01")]),
    S("commerce_serious", "commerce_serious; untrustworthy elsewhere", A(signals="commerce_serious",
      untrusted=True), serious=[("2026-02-01", "")]),
    S("commerce_serious_removed", "commerce_serious: removed before T", A(),
      serious=[("2024-02-01", "2026-02-01")]),
    S("customs_dishonest_via_registry", "customs_untrusted: blank USCC resolved via customs_registry",
      A(signals="customs_untrusted", untrusted=True), exporter=True, exports=[export(Y1)],
      customs=("失信企业", False)),
    S("customs_seriously_dishonest", "customs_untrusted: 严重失信企业", A(signals="customs_untrusted",
      untrusted=True), exporter=True, customs=("严重失信企业", True)),
    S("customs_pre2021_regular", "pre-2021 一般信用企业 reads as regular", A(), exporter=True,
      customs=("一般信用企业", False)),
    S("customs_pre2021_certified", "pre-2021 一般认证企业 reads as regular", A(), exporter=True,
      customs=("一般认证企业", True)),
    S("customs_aeo", "高级认证企业 gives no signal", A(), exporter=True, customs=("高级认证企业", True)),
    S("untrusted_b", "untrustworthy elsewhere at B: key supervision, multiplier 2.0",
      B("A.1;B.1", signals="commerce_serious", untrusted=True), established_on="2025-06-01",
      serious=[("2026-02-01", "")]),
    S("untrusted_d", "untrustworthy elsewhere at D: multiplier stays 3.0", D("D.2", signals="tax_d",
      untrusted=True), violations=[viol(Y1, "counterfeit")], taxes=[tax(2025, "D")]),

    # --- risk score of C (10 per C code, repeat 15, signals) and action thresholds -------------------
    S("risk_30_warning", "score exactly 30 is a warning: C.2 10 + commerce_abnormal 10 + tax_c 10",
      C("C.2", 30, "warning", signals="commerce_abnormal;tax_c"), inspections=[spot(Y1)],
      abnormal=[("2026-03-01", "")], taxes=[tax(2025, "C")]),
    S("risk_50_yellow", "score exactly 50 is a yellow card: C.2 10 + repeat 15 + commerce_serious 25",
      C("C.2", 50, "yellow_card", signals="commerce_serious", untrusted=True),
      inspections=[spot(PRIOR), spot(Y1)], serious=[("2026-02-01", "")]),
    # every component is a multiple of 5, so 29/49 cannot occur; 25 and 45 are the nearest below
    S("risk_25_none", "score 25 (< 30) is none: C.2 10 + repeat 15", C("C.2", 25, "none"),
      inspections=[spot(PRIOR), spot(Y1)]),
    S("risk_45_warning", "score 45 (< 50) is a warning: C.2 10 + repeat (violation) 15 + tax_d 20",
      C("C.2", 45, "warning", signals="tax_d", untrusted=True), inspections=[spot(Y1)],
      violations=[viol(PRIOR)], taxes=[tax(2025, "D")]),
    # the table gives "each C code" 10 but the repeat part 15 without "each": counted once
    S("risk_repeat_once", "repeat counts 15 once however many prior-year events",
      C("C.2", 25, "none"), inspections=[spot(PRIOR, rid="p"), spot(Y1)], violations=[viol(PRIOR)],
      accidents=[accident(PRIOR, "general")]),
    S("risk_repeat_accident", "repeat: an accident in the prior year", C("C.2", 25, "none"),
      inspections=[spot(Y1)], accidents=[accident(PRIOR, "major")]),
    S("risk_repeat_at_t_minus_1y", "repeat window (T-2y, T-1y] includes T-1y", C("C.2", 25, "none"),
      inspections=[spot("2025-11-20"), spot(Y1)]),
    S("risk_no_repeat_at_t_minus_2y", "repeat window (T-2y, T-1y] excludes T-2y", C("C.2", 10, "none"),
      inspections=[spot("2024-11-20"), spot(Y1)]),
    # "a failed spot/supervision check" is a defined term that excludes supervision_test
    S("risk_repeat_not_supervision_test", "repeat: a prior-year supervision_test failure does not count",
      C("C.2", 10, "none"), inspections=[insp("supervision_test", PRIOR, "fail"), spot(Y1)]),
    S("risk_codes_only_50", "five C codes alone: 50 is a yellow card",
      C("C.1;C.2;C.4;C.5;C.7", 50, "yellow_card"), licences=[licence("rectifying", deadline="2027-03-31")],
      inspections=[spot(Y1)], standards=["below_declared"], violations=[viol(Y1, "false_advertising")],
      complaints=[complaint("after_sales", "2026-01-05", "2026-03-01")]),
    S("risk_c2_c3", "C.2 and C.3 together: 20", C("C.2;C.3", 20, "none"),
      inspections=[spot(Y1), insp("supervision_test", "2026-07-01", "fail")]),
    S("risk_bank_watch", "bank_watch adds 5", C("C.2", 15, "none", signals="bank_watch"),
      inspections=[spot(Y1)], loans=[("关注", 30)]),
    S("risk_bank_npl", "bank_npl adds 20: 30 is a warning", C("C.2", 30, "warning", signals="bank_npl",
      untrusted=True), inspections=[spot(Y1)], loans=[("损失", 500)]),
    S("risk_everything", "C.2+C.4 20, repeat 15, bank_npl 20, tax_d 20, abnormal 10, serious 25, customs 20",
      C("C.2;C.4", 130, "yellow_card", untrusted=True,
        signals="bank_npl;commerce_abnormal;commerce_serious;customs_untrusted;tax_d"),
      exporter=True, inspections=[spot(Y1)], standards=["below_declared"], violations=[viol(PRIOR)],
      loans=[("可疑", 200)], taxes=[tax(2025, "D")], abnormal=[("2026-03-01", "")],
      serious=[("2026-04-01", "")], customs=("严重失信企业", False)),

    # --- award actions -------------------------------------------------------------------------------
    S("award_c_no_expiry", "active award with empty expires_on of a C: suspend",
      C("C.2", 10, "none", awards={"a": "suspend"}), inspections=[spot(Y1)], awards=[award("a", expires="")]),
    S("award_c_expires_on_t", "award expiring on T is active: suspend",
      C("C.2", 10, "none", awards={"a": "suspend"}), inspections=[spot(Y1)],
      awards=[award("a", expires=T, kind="quality_award")]),
    S("award_c_expired_or_inactive", "expired or non-active awards are untouched",
      C("C.2", 10, "none"), inspections=[spot(Y1)],
      awards=[award("a", expires="2026-11-19"), award("b", status="suspended"),
              award("c", status="revoked", kind="export_exempt")]),
    S("award_d_mixed", "D: only active awards are revoked", D("D.2", awards={"a": "revoke", "c": "revoke"}),
      violations=[viol(Y1, "counterfeit")],
      awards=[award("a", kind="inspection_exempt"), award("b", status="revoked"),
              award("c", status="active", expires=""), award("d", expires="2025-12-31")]),
    S("award_a_b_untouched", "awards of A/B are not acted on", B("A.1"), established_on="2024-01-15",
      awards=[award("a")]),

    # --- public A list -------------------------------------------------------------------------------
    S("pa_ok", "public A: A, approved application evaluated within a year", A(public_a=True),
      applications=[APP_OK]),
    S("pa_second_application", "public A: a newer approved application qualifies though an older one is stale",
      A(public_a=True), applications=[application("2025-03-01", "approved", "2025-04-01"),
                                      application("2026-04-01", "approved", "2026-06-01")]),
    S("pa_withdrawn", "public A: withdrawn before T", A(),
      applications=[application("2026-03-02", "approved", "2026-05-20", withdrawn="2026-06-01")]),
    S("pa_withdrawn_on_t", "public A: withdrawn on T", A(),
      applications=[application("2026-03-02", "approved", "2026-05-20", withdrawn=T, delivery=ON_T)]),
    S("pa_provincial_pending", "public A: provincial evaluation pending", A(),
      applications=[application("2026-03-02", "", "")]),
    S("pa_provincial_rejected", "public A: provincial evaluation rejected", A(),
      applications=[application("2026-03-02", "rejected", "2026-05-20")]),
    S("pa_evaluated_t_minus_1y", "public A: evaluated_on = T-1y is not > T-1y", A(),
      applications=[application("2025-09-01", "approved", "2025-11-20")]),
    S("pa_evaluated_t_minus_1y_plus_1", "public A: evaluated_on = T-1y+1 day is within a year",
      A(public_a=True), applications=[application("2025-09-01", "approved", "2025-11-21")]),
    S("pa_evaluated_before_applied", "public A: evaluated_on < applied_on fails applied_on <= evaluated_on",
      A(), applications=[application("2026-06-01", "approved", "2026-05-20")]),
    S("pa_supervision_test_no_opinion", "public A: supervision_test in Y3 needs testing-unit approval", A(),
      applications=[APP_OK], inspections=[insp("supervision_test", PRIOR, "pass")]),
    S("pa_supervision_test_approved", "public A: supervision_test in Y3 with testing-unit approval",
      A(public_a=True), inspections=[insp("supervision_test", PRIOR, "pass")],
      applications=[application("2026-03-02", "approved", "2026-05-20", opinion="approved")]),
    S("pa_supervision_test_rejected", "public A: testing-unit opinion rejected", A(),
      inspections=[insp("supervision_test", PRIOR, "pass")],
      applications=[application("2026-03-02", "approved", "2026-05-20", opinion="rejected")]),
    S("pa_supervision_test_before_y3", "public A: a supervision_test before Y3 needs no opinion",
      A(public_a=True), applications=[APP_OK], inspections=[insp("supervision_test", "2023-06-01", "pass")]),
    S("pa_untrusted_elsewhere", "public A: untrustworthy per other agencies is not disclosed",
      A(signals="customs_untrusted", untrusted=True), applications=[APP_OK], exporter=True,
      customs=("失信企业", True)),
    S("pa_b_level", "public A: a B enterprise is never disclosed", B("A.1"), established_on="2024-01-15",
      applications=[APP_OK]),
    S("pa_c_level", "public A: a C enterprise is never disclosed", C("C.2", 10, "none"),
      applications=[APP_OK], inspections=[spot(Y1)]),

    # --- public D list / review queue ----------------------------------------------------------------
    S("pd_confirmed", "public D: confirmed review within a year", D("D.2", public=True),
      violations=[viol(Y1, "counterfeit")], reviews=[review("2026-09-01", "confirmed")]),
    S("pd_overturned_latest", "public D: latest review overturned: not disclosed, flagged",
      D("D.2", review="overturned"), violations=[viol(Y1, "counterfeit")],
      reviews=[review("2026-03-01", "confirmed"), review("2026-09-01", "overturned")]),
    S("pd_confirmed_after_overturn", "public D: the latest review decides", D("D.2", public=True),
      violations=[viol(Y1, "counterfeit")],
      reviews=[review("2026-03-01", "overturned"), review("2026-09-01", "confirmed")]),
    S("pd_confirmed_t_minus_1y", "public D: a review on T-1y is older than a year: pending",
      D("D.2"), violations=[viol(Y1, "counterfeit")], reviews=[review("2025-11-20", "confirmed")]),
    # "the latest D review with reviewed_on in (T-1y, T]": an older overturn is no such review
    S("pd_overturned_too_old", "public D: only reviews within a year count: pending",
      D("D.H"), accidents=[accident(Y1, "severe")], reviews=[review("2025-06-01", "overturned")]),
    S("pd_multiple_reasons", "public D carries the reason codes", D("D.1;D.2", public=True),
      violations=[viol(Y1, "counterfeit")], licences=[licence(expires="2026-10-01")],
      reviews=[review("2026-10-01", "confirmed")]),
]

assert len({s.name for s in SCENARIOS}) == len(SCENARIOS), "scenario names must be unique"


def plan(level: str, exporter: bool, untrusted: bool) -> tuple[str, bool, str]:
    """Supervision plan (RULES.md "Supervision plan"): multiplier, key supervision, measures."""
    multiplier = {"A": 0.5, "B": 1.0, "C": 2.0, "D": 3.0}[level]
    key = level in ("C", "D")
    measures = {
        "A": ["onsite_check_waived", "award_priority"] + (["export_green_channel"] if exporter else []),
        "B": ["assistance"],
        "C": ["awards_suspended"] + (["export_strict_review"] if exporter else []),
        "D": ["blacklist", "awards_revoked", "report_to_government"],
    }[level]
    if untrusted:  # key supervision, multiplier at least 2.0, no A-level benefits, whatever the level
        multiplier, key = max(multiplier, 2.0), True
        measures = [] if level == "A" else measures
        measures = measures + ["key_supervision_other_agencies"]
    return f"{multiplier:.1f}", key, ";".join(sorted(measures))
