-- Invariant: every graded enterprise has one level and one supervision plan row; key supervision whenever C, D
-- or untrustworthy elsewhere.
select levels.uscc
from {{ ref('fct_enterprise_levels') }} as levels
left join {{ ref('fct_supervision_plan') }} as plan on levels.uscc = plan.uscc
where plan.uscc is null
    or plan.is_key_supervision <> (levels.level in ('C', 'D') or levels.is_untrustworthy_elsewhere)
