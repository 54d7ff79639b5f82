"""Chinese labels (with their English) for the codes the pages show; the meanings of reason codes and signals
come from the criteria seed (contract C1), not from here."""

LEVELS = {"A": ("守信", "trustworthy"), "B": ("基本守信", "basically trustworthy"),
          "C": ("失信", "untrustworthy"), "D": ("严重失信", "seriously untrustworthy")}
ACTIONS = {"yellow_card": ("黄牌警告", "yellow card"), "warning": ("预警", "risk warning"),
           "none": ("重点监管", "key supervision only")}
REVIEW_STATUSES = {"pending": ("待复核", "pending review"), "overturned": ("已撤销", "overturned"),
                   "confirmed": ("已确认", "confirmed")}
AWARD_ACTIONS = {"suspend": ("暂停", "suspend"), "revoke": ("撤销", "revoke")}
MEASURES = {
    "onsite_check_waived": ("免于年审现场检查", "on-site check waived"),
    "award_priority": ("评优优先推荐", "award priority"),
    "export_green_channel": ("出口绿色通道", "export green channel"),
    "assistance": ("帮扶", "assistance"),
    "export_strict_review": ("出口从严审核", "stricter export review"),
    "awards_suspended": ("暂停评优", "awards suspended"),
    "blacklist": ("列入黑名单", "blacklist"),
    "awards_revoked": ("撤销荣誉", "awards revoked"),
    "report_to_government": ("通报地方政府", "reported to local government"),
    "key_supervision_other_agencies": ("其他部门失信, 重点监管", "key supervision: untrustworthy elsewhere"),
}
SCORE_COMPONENTS = {"reason": ("失信情形", "C code"), "repeat": ("上年度再犯", "repeat in prior year"),
                    "signal": ("其他部门信号", "other agencies' signal")}
ALL = {**LEVELS, **ACTIONS, **REVIEW_STATUSES, **AWARD_ACTIONS, **MEASURES, **SCORE_COMPONENTS}
